"""Run every benchmark in bench/ one after the other and print their figures (make bench)."""
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).parent

if __name__ == '__main__':
    scripts = sorted(p for p in HERE.glob('*.py') if p.name != 'run_all.py')
    failed = []
    for script in scripts:
        print(f'\n=== {script.name} ===', flush=True)
        if subprocess.run([sys.executable, str(script)]).returncode: failed.append(script.name)
    if failed: sys.exit(f'Benchmarks mit Fehler: {failed}')
