"""
The LMS's tables that the database source reads (SPEC 18), created outside the LMS: under the
test settings and the demo's, with the LMS's table and column names (only those read). The
demo's stand-in answers the LMS's REST API from the same rows, so both sources read one population.
"""
