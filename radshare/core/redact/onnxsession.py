"""One-thread onnxruntime sessions for the model files in resources/models (dbnet.py, recognise.py).

Threads: one intra-op and one inter-op thread per session. On a shared 2-core machine the
default (all cores per session, times a process pool) made each step 2-4x slower.

onnxruntime otherwise writes a persistent device id and a usage database under
~/.cache/Microsoft/DeveloperTools on first use: a tracking identifier on clinical workstations.
It reads ORT_DISABLE_TELEMETRY when the library loads, so this module sets it before any import.
"""

from __future__ import annotations

import os

from radshare.core.resources import resource_path

os.environ.setdefault("ORT_DISABLE_TELEMETRY", "1")


def available(model_file: tuple[str, ...]) -> bool:
    """True when onnxruntime imports and the model file (a path under resources/) is present."""
    try:
        import onnxruntime  # noqa: F401
    except ImportError:
        return False
    return resource_path(*model_file).is_file()


def one_thread_session(model_file: tuple[str, ...]):
    """An onnxruntime CPU session for the model file (a path under resources/), one thread,
    denormal floats as zero (the same outputs here, a few % faster)."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.log_severity_level = 3
    options.add_session_config_entry("session.set_denormal_as_zero", "1")
    return ort.InferenceSession(str(resource_path(*model_file)), sess_options=options, providers=["CPUExecutionProvider"])
