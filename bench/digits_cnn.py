"""Digits CNN figures: test accuracy and training time (full and quick settings), accuracy on the 55 canvas-style test drawings
(`drawn_digits`, per form for the full model), single-image latency in-process and through the registry, preprocessing time of a canvas
drawing and of a large photo.

Run: .venv/bin/python bench/digits_cnn.py   (uses a temporary store; prints figures, asserts nothing)
"""
import io
import os
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

N = 1000


def percentiles(fn, n=N) -> str:
    fn()  # warm-up
    t = []
    for _ in range(n):
        s = time.perf_counter(); fn(); t.append((time.perf_counter() - s) * 1000)
    return f'p50 {np.percentile(t, 50):7.2f} ms   p99 {np.percentile(t, 99):7.2f} ms   (n={n})'


def main():
    store = Path(tempfile.mkdtemp(prefix='bench-store-'))
    os.environ['MLFLOW_TRACKING_URI'] = f'sqlite:///{store}/mlflow.db'
    from amalea_quack.store import use_store
    use_store()  # create the database first: its one-off migration is not part of a training run
    from amalea_quack.registry import default_gates, load_model, promote, register
    from amalea_quack.vision import (
        DIGITS_CARD,
        DIGITS_EPOCHS,
        DIGITS_EPOCHS_QUICK,
        DIGITS_MODEL,
        PIXELS,
        drawn_digits,
        image_features,
        open_image,
        predict_frame,
        preprocess_digit,
        torch_threads,
        train_digits_cnn,
    )
    drawings = drawn_digits()
    t = time.perf_counter(); drawn = pd.DataFrame([preprocess_digit(img).ravel() for img in drawings['image']], columns=PIXELS)
    print(f'preprocess the {len(drawings)} test drawings: {(time.perf_counter() - t) / len(drawings) * 1000:.1f} ms each')
    for label, epochs in (('full ', DIGITS_EPOCHS), ('quick', DIGITS_EPOCHS_QUICK)):
        t = time.perf_counter(); res = train_digits_cnn(epochs=epochs, run_name=f'bench-{epochs}')
        total = time.perf_counter() - t
        m = res.metrics
        hit = predict_frame(res.net, drawn)['label'].to_numpy() == drawings['digit'].to_numpy()
        print(f'{label} ({epochs:2d} epochs): test accuracy {m["accuracy"]:.4f}, f1_macro {m["f1_macro"]:.4f}, '
              f'overfit_delta {m["overfit_delta"]:+.4f}; drawings {hit.mean():.4f} ({hit.sum()}/{len(hit)}); '
              f'training {m["train_seconds"]:5.1f} s, whole tracked run {total:5.1f} s')
        if epochs == DIGITS_EPOCHS: full, full_hit = res, hit
    per_form = pd.Series(full_hit).groupby([drawings['digit'], drawings['form']]).agg(['sum', 'size'])
    print('drawings read correctly by the full model, per form:', ', '.join(f'{d} {f}: {s}/{n}' for (d, f), (s, n) in per_form.iterrows()))

    row = full.split.X_test.iloc[[0]]
    with torch_threads(1): print(f'single image, network in-process (1 thread):   {percentiles(lambda: predict_frame(full.net, row))}')
    register(full.run_id, DIGITS_MODEL)
    t = time.perf_counter(); promote(DIGITS_MODEL, gates=default_gates(DIGITS_CARD), card=DIGITS_CARD)
    print(f'promote with the course gates (consistency on {len(full.split.X_test)} digits, 100 timed images): {time.perf_counter() - t:5.1f} s')
    served = load_model(DIGITS_MODEL, 'production')
    print(f'single image, registry ServedModel.predict:    {percentiles(lambda: served.predict(row))}')
    print(f'single image, MLflow pyfunc.predict:          {percentiles(lambda: served.pyfunc.predict(row[PIXELS]))}')

    from PIL import Image, ImageDraw
    canvas = Image.new('RGBA', (280, 280), 'white')
    ImageDraw.Draw(canvas).line([(80, 50), (200, 50), (120, 240)], fill='black', width=18)
    photo = canvas.convert('RGB').resize((4000, 3000))
    buf = io.BytesIO(); photo.save(buf, format='JPEG', quality=85); jpeg = buf.getvalue()
    print(f'preprocess a 280×280 canvas drawing:            {percentiles(lambda: preprocess_digit(np.asarray(canvas)), n=200)}')
    print(f'open + preprocess a 4000×3000 JPEG ({len(jpeg) / 1e6:.1f} MB):    {percentiles(lambda: preprocess_digit(open_image(jpeg)), n=20)}')
    drawing_to_label = lambda: served.predict(image_features(preprocess_digit(np.asarray(canvas))))
    print(f'drawing → prediction through the registry:     {percentiles(drawing_to_label, n=200)}')


if __name__ == '__main__':
    main()
