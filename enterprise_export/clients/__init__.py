"""HTTP clients of the LMS and the channels; they only speak HTTP and import no models."""
