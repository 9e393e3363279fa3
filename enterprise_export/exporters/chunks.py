"""
Enrollment chunks: read run by run in keyset pages, and left without what was already sent.
"""

from enterprise_export.audits import latest_transmitted_grades, normalize_grade


def enrollment_chunks(enrollments, size):
    """
    Yield lists of at most ``size`` enrollments, in (course_id, id) order.

    The runs come from one query; each run is then read in keyset pages by id (``course_id =
    X AND id > Y ORDER BY id``), which every database serves from the (course_id, id) index
    and stops reading at the page's end. A single ``(course_id, id) > (X, Y)`` condition
    would make the database sort all of the customer's enrollments for every page.
    """
    course_ids = list(enrollments.order_by('course_id').values_list('course_id', flat=True).distinct())
    chunk = []
    for course_id in course_ids:
        after_id = 0
        while True:
            wanted = size - len(chunk)
            page = list(enrollments.filter(course_id=course_id, id__gt=after_id).order_by('id')[:wanted])
            chunk.extend(page)
            if len(chunk) == size:
                yield chunk
                chunk = []
            if len(page) < wanted:
                break
            after_id = page[-1].id
    if chunk:
        yield chunk


def without_transmitted(chunks, TransmissionAudit, grade, plugin_configuration_id):  # noqa: N803
    """Each chunk without the enrollments whose latest successful transmission carried ``grade``."""
    wanted = normalize_grade(grade)
    for chunk in chunks:
        sent_grades = latest_transmitted_grades(TransmissionAudit, [enrollment.id for enrollment in chunk],
                                                plugin_configuration_id=plugin_configuration_id)
        yield [enrollment for enrollment in chunk
               if enrollment.id not in sent_grades or sent_grades[enrollment.id] != wanted]
