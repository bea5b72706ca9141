"""`python -m neural_debugger_probe SCRIPT ARGS...`: runs SCRIPT unmodified
(runpy, as `python SCRIPT ARGS...` would) with the probe installed, speaking
the trainer protocol (docs/protocol.md) as JSON lines on the inherited pipe
whose fd is in NEURAL_DEBUGGER_PROBE_FD. Started by the Python host
(src/pythonHost/), never by hand."""

import os
import sys
import traceback

from .wire import Wire

PROTOCOL_VERSION = 2
_OWN_DIR = os.path.dirname(os.path.abspath(__file__))


def _die_with_parent():
    """Linux: the kernel kills the probe when the host dies, even by SIGKILL."""
    try:
        import ctypes
        import signal

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:
        pass  # not Linux: the host's exit handler and the closed pipe end the probe


def _user_frame(tb, script):
    """The innermost frame in the user's code (not the probe, torch or the standard library); the script's frame otherwise."""
    frames = traceback.extract_tb(tb)
    library = [_OWN_DIR, os.path.dirname(os.__file__)]
    try:
        import torch

        library.append(os.path.dirname(os.path.dirname(torch.__file__)))
    except ImportError:
        pass
    user = [f for f in frames if not any(os.path.abspath(f.filename).startswith(d + os.sep) for d in library) and not f.filename.startswith("<")]
    in_script = [f for f in frames if os.path.abspath(f.filename) == script]
    return user[-1] if user else (in_script[-1] if in_script else None)


def _user_traceback(e, script):
    """The traceback as Python prints it, from the script's first frame on (the probe's and runpy's frames left out)."""
    tb = e.__traceback__
    while tb is not None and os.path.abspath(tb.tb_frame.f_code.co_filename) != script:
        tb = tb.tb_next
    return "".join(traceback.format_exception(type(e), e, tb if tb is not None else e.__traceback__))


def _error(wire, message, frame=None):
    error = {"message": message}
    if frame is not None:
        error.update({"file": os.path.abspath(frame.filename), "line": frame.lineno, "column": 1})
    wire.send({"type": "error", "error": error, "fatal": True})


def main():
    fd = int(os.environ.get("NEURAL_DEBUGGER_PROBE_FD", "-1"))
    if fd < 0 or len(sys.argv) < 2:
        sys.stderr.write("neural_debugger_probe is started by Neural Debugger (a .py model in VS Code or `neural-debugger train`), not by hand.\n")
        return 2
    _die_with_parent()
    wire = Wire(fd)
    script = os.path.abspath(sys.argv[1])
    try:
        import torch
    except ImportError as e:
        wire.send({"type": "hello", "protocol": PROTOCOL_VERSION, "trainer": f"python {sys.version.split()[0]} without torch"})
        _error(
            wire,
            f"the Python interpreter {sys.executable} cannot import torch ({e}): install PyTorch for it "
            "(pip install torch, or apt-get install python3-torch for /usr/bin/python3), or choose an interpreter that has it "
            "(the neuralDebugger.python setting, the Python extension's interpreter, or --python on the command line)",
        )
        return 2
    wire.send({"type": "hello", "protocol": PROTOCOL_VERSION, "trainer": f"pytorch {torch.__version__}"})
    start = wire.receive()
    if start is None:
        return 0
    from .probe import Probe, StopTraining

    if start.get("protocol") != PROTOCOL_VERSION:
        _error(wire, f"the host speaks protocol {start.get('protocol')}, this probe speaks {PROTOCOL_VERSION}: a broken installation")
        return 1
    try:
        probe = Probe(wire, start.get("options", {}), script)
        probe.install()
        from . import api

        api._active_probe = probe  # the script's `from neural_debugger_probe import epoch, log` talks to it
    except Exception:
        _error(wire, "internal error: the probe could not install itself: " + traceback.format_exc())
        return 1
    # Ctrl-C in a terminal reaches the whole process group: the CLI turns it into a
    # stop at the next step boundary (a second one kills), so the script does not
    # die mid-step with a KeyboardInterrupt.
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    sys.argv = sys.argv[1:]
    sys.path.insert(0, os.path.dirname(script))
    import runpy

    reason = "completed"
    try:
        runpy.run_path(script, run_name="__main__")
        probe.finish()
    except StopTraining:
        reason = "stopped"
    except SystemExit as e:
        if e.code not in (None, 0):
            _error(wire, f"the script exited with code {e.code}", _user_frame(e.__traceback__, script))
            return 2
    except BaseException as e:  # the user's exception (KeyboardInterrupt included): reported, never our stack
        frames = traceback.extract_tb(e.__traceback__)
        if frames and os.path.abspath(frames[-1].filename).startswith(_OWN_DIR + os.sep):
            _error(wire, "internal error: the probe failed: " + "".join(traceback.format_exception(type(e), e, e.__traceback__)))
            return 1
        text = "".join(traceback.format_exception_only(type(e), e)).strip()
        probe.report_epoch(decide=False)  # an epoch that ended before the failure (in its validation code) is in the trace
        sys.stderr.write(_user_traceback(e, script))
        sys.stderr.flush()
        _error(wire, text, _user_frame(e.__traceback__, script))
        return 2
    if os.environ.get("NEURAL_DEBUGGER_PROBE_TIMING") and probe.step > 0:
        # The cost of the probe per step (bench/pytorchProbe.ts); on stderr, so the script's stdout stays its own.
        sys.stderr.write(
            f"probe_ms_per_step measure {probe.measure_seconds * 1000 / probe.step:.3f} wait {probe.wait_seconds * 1000 / probe.step:.3f}\n"
        )
    completed_epochs = probe.epoch - 1
    wire.send({"type": "finished", "reason": reason, "steps": probe.step, "epochs": completed_epochs, "test": None})
    return 0


if __name__ == "__main__":
    sys.exit(main())
