"""Use cases of live tracking: positions received, trackers and their enrolment, alerts, the replay."""
