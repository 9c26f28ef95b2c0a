"""`quack` in a fresh process forked from the course's fork server (`amalea_quack.course`), which has MLflow, scikit-learn,
skops and the course modules imported once: the same `main` the console script calls, with its own environment, folder,
standard input and output files, but without 3–9 s of imports for every call. A crash is a traceback on stderr and exit 1,
as in a real process."""
import io
import os
import sys
import traceback


def run(args: list[str], stdin: str, out_path: str, err_path: str) -> int:
    "Entry point in the forked process: file descriptors 1 and 2 go to the two files (so library log lines land there too)."
    for fd, path in ((1, out_path), (2, err_path)):
        f = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.dup2(f, fd)
        os.close(f)
    sys.stdin = io.TextIOWrapper(io.BytesIO(stdin.encode('utf-8')), encoding='utf-8')
    sys.argv = ['quack', *args]
    from amalea_quack.cli import main
    try: code = main(args)
    except SystemExit as e:  # argparse: usage errors exit 2, --help exits 0
        if isinstance(e.code, str): print(e.code, file=sys.stderr)
        code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
    except BaseException:
        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
    return code or 0
