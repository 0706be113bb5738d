"""The sample service's health switch: failing when set in memory (HTTP admin call, TCP `health
fail` line) or when the flag file exists (`platform-service health fail`, from a shell)."""

import os
import threading

FAIL_FILE = os.environ.get("SERVICE_FAIL_FILE", "/tmp/platform-service.failing")


def set_flag_file(failing):
    """What `platform-service health fail|ok` does: the flag file made or removed."""
    if failing:
        with open(FAIL_FILE, "w") as f:
            f.write("failing\n")
        return
    try:
        os.unlink(FAIL_FILE)
    except OSError:
        pass


class Health:
    def __init__(self):
        self._failing = False
        self._lock = threading.Lock()

    def set_failing(self, failing):
        with self._lock:
            self._failing = bool(failing)
        if not failing:
            set_flag_file(False)

    def failing(self):
        with self._lock:
            if self._failing:
                return True
        return os.path.exists(FAIL_FILE)

    def status(self):
        return "failing" if self.failing() else "ok"
