"""Time of `quack fortschritt` on the whole course: an untouched student edition, and one with every exercise solved
(the course's reference answers pasted into the student edition), plus the portfolio check on this repository.

Run: .venv/bin/python bench/progress.py
"""
import json
import shutil
import tempfile
import time
from pathlib import Path

from amalea_quack.course import exercise_slots, nbs_path, notebooks, portfolio_check, progress, write_student_edition


def solved_edition(folder: Path) -> None:
    "Paste the reference answers of the course into the student edition in `folder`."
    for course in notebooks():
        rel = course.relative_to(nbs_path())
        student, ref = json.loads((folder / rel).read_text()), json.loads(course.read_text())
        slots, answers = exercise_slots(student), exercise_slots(ref)
        for key, (sol, _) in slots.items():
            if key in answers: student['cells'][sol]['source'] = ref['cells'][answers[key][0]]['source']
        (folder / rel).write_text(json.dumps(student))


def main():
    tmp = Path(tempfile.mkdtemp(prefix='bench-progress-'))
    try:
        for name, prepare in (('unberührt', None), ('alles gelöst', solved_edition)):
            ed = tmp / name / 'nbs'
            write_student_edition(ed)
            if prepare: prepare(ed)
            t = time.perf_counter()
            df = progress(ed)
            secs = time.perf_counter() - t
            counts = df['status'].value_counts().to_dict()
            print(f'Fortschritt, {name}: {secs:.1f} s für {len(df)} Übungen und Fragen in {df["notebook"].nunique()} Notebooks – {counts}')
        t = time.perf_counter()
        items = portfolio_check(nbs_path().parent, 'iris-classifier')
        print(f'Portfolio-Check dieses Repositorys: {time.perf_counter() - t:.1f} s, {sum(i.ok for i in items)} von {len(items)} Punkten erfüllt')
    finally: shutil.rmtree(tmp, ignore_errors=True)


if __name__ == '__main__':
    main()
