"""CSV uploads at the limit: how long `read_csv_checked` takes for a file of MAX_UPLOAD_MB or MAX_ROWS (whichever comes first),
and its passes over the text – format detection (sniff_csv), the field count per record (csv module: a row longer
than the header is refused), pandas reading every cell as text, and each column checked and converted (a column becomes numbers
only if every filled cell is one) – against pandas converting on its own, which turns a date 01.02.2024 into 1022024.

Run: .venv/bin/python bench/csv_upload.py   (prints figures, asserts nothing; no store needed)
"""
import io
import timeit

import numpy as np
import pandas as pd

from amalea_quack.glossary import number_pattern
from amalea_quack.validation import MAX_ROWS, MAX_UPLOAD_MB, _column_as_read, _longer_row, read_csv_checked, sniff_csv


def best_of(fn) -> float:
    "Fastest of three runs in milliseconds (timeit)."
    return min(timeit.repeat(fn, number=1, repeat=3)) * 1000


def upload(columns: int, decimal: str, sep: str, limit_mb: float = MAX_UPLOAD_MB) -> bytes:
    "Random measurements with a text column, as many rows as fit under `limit_mb` and MAX_ROWS, German or English number format."
    rng = np.random.default_rng(0)
    row = pd.DataFrame(rng.normal(50, 10, (1000, columns)).round(3), columns=[f'merkmal_{i}' for i in range(columns)])
    row['art'] = rng.choice(['Setosa', 'Versicolor', 'Virginica'], 1000)
    one = row.to_csv(index=False, sep=sep, decimal=decimal).encode('cp1252' if sep == ';' else 'utf-8')
    body = one.split(b'\n', 1)[1]
    copies = min(int(limit_mb * 2**20 * 0.98 // len(body)), MAX_ROWS // 1000)
    return one.split(b'\n', 1)[0] + b'\n' + body * copies


def measure(columns: int, decimal: str, sep: str, what: str) -> None:
    "Print the figures for one upload at the limit."
    data = upload(columns, decimal, sep)
    text, fmt = sniff_csv(data, 'bench.csv')
    rows = len(read_csv_checked(io.BytesIO(data)))
    total = best_of(lambda: read_csv_checked(io.BytesIO(data)))
    sniff = best_of(lambda: sniff_csv(data, 'bench.csv'))
    count = best_of(lambda: _longer_row(text, fmt.sep, columns + 1))
    as_text = lambda: pd.read_csv(io.StringIO(text), sep=fmt.sep, dtype=str, keep_default_na=False, na_values=[''])
    read = best_of(as_text)
    raw, pattern = as_text(), number_pattern(fmt.decimal, fmt.thousands, infinity=True)
    convert = best_of(lambda: [_column_as_read(raw[c], fmt, pattern) for c in raw.columns])
    pandas = best_of(lambda: pd.read_csv(io.StringIO(text), sep=fmt.sep, decimal=fmt.decimal, thousands=fmt.thousands))
    rows_de = f'{rows:_}'.replace('_', '.')
    print(f'{what}: {len(data) / 2**20:.1f} MiB, {rows_de} Zeilen – read_csv_checked {total:.0f} ms (Format erkennen {sniff:.0f} ms, '
          f'Felder zählen {count:.0f} ms, als Text lesen {read:.0f} ms, Spalten prüfen und umwandeln {convert:.0f} ms; '
          f'zum Vergleich pandas mit eigener Umwandlung {pandas:.0f} ms)')


if __name__ == '__main__':
    measure(4, '.', ',', 'englisch, 4 Messspalten')
    measure(20, ',', ';', 'deutsch (Excel), 20 Messspalten')
