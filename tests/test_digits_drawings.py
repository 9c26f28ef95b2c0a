"""Canvas drawings against the digits CNN: the preprocessing makes a drawing look like a training digit (bounding box, centring,
aspect ratio, slant, stroke width), and a model trained the quick way reads the test set of drawings (`drawn_digits`)."""
import numpy as np
import pandas as pd
import pytest
from PIL import Image, ImageDraw

from amalea_quack.vision import (
    CANVAS_SIZE,
    INK_BAND,
    NIST_WIDTH,
    PIXELS,
    digit_bitmap,
    digits_frame,
    draw_digit,
    drawn_digits,
    preprocess_digit,
)


def canvas(lines, width=18, size=CANVAS_SIZE) -> np.ndarray:
    "Polylines drawn like the app's canvas: black, round joints and ends, on white RGBA."
    img = Image.new('RGBA', (size, size), 'white')
    pen = ImageDraw.Draw(img)
    for pts in lines:
        pen.line(pts, fill='black', width=width, joint='curve')
        for x, y in (pts[0], pts[-1]): pen.ellipse([x - width / 2, y - width / 2, x + width / 2, y + width / 2], fill='black')
    return np.asarray(img)


def columns(bitmap) -> np.ndarray:
    return np.flatnonzero(bitmap.any(axis=0))


@pytest.fixture(scope='module')
def training_ink():
    "Ink of the 1797 training digits (points of 1024 = sum of the 64 values): 1st and 99th percentile."
    ink = digits_frame()[PIXELS].sum(axis=1)
    return np.percentile(ink, 1), np.percentile(ink, 99)


def test_ink_constants_are_measured_on_the_training_digits():
    from amalea_quack.vision import INK_TARGET
    ink = digits_frame()[PIXELS].sum(axis=1)
    assert ink.median() == INK_TARGET
    assert round(ink.between(*INK_BAND).mean(), 3) == 0.986  # NIST's stroke-width rule left almost every digit in this band


def test_drawings_are_reproducible_and_look_like_the_canvas():
    d = drawn_digits()
    assert len(d) == 55 and sorted(d['digit'].unique()) == [str(i) for i in range(10)]
    assert (d.groupby(['digit', 'form']).size().loc['7'] == 6).all()  # six sevens with and six without crossbar
    img = d['image'][0]
    assert img.shape == (CANVAS_SIZE, CANVAS_SIZE, 4) and img.dtype == np.uint8
    assert (img[..., 3] == 255).all() and img[0, 0, :3].tolist() == [255, 255, 255] and img[..., :3].min() == 0
    assert all(np.array_equal(a, b) for a, b in zip(d['image'], drawn_digits()['image'], strict=True))
    assert not np.array_equal(draw_digit('7', 'ohne Querstrich', 1), draw_digit('7', 'ohne Querstrich', 2))


def test_values_count_the_ink_points_of_a_bitmap():
    img = draw_digit('5', rng=0)
    pixels, bitmap = preprocess_digit(img), digit_bitmap(img)
    assert pixels.shape == (8, 8) and bitmap.shape == (32, 32) and bitmap.dtype == bool
    assert np.array_equal(pixels, np.round(pixels)) and pixels.min() == 0 and pixels.max() <= 16
    assert pixels.sum() == bitmap.sum()


def test_bounding_box_fills_the_height_and_is_centred():
    seven = [[(40, 30), (130, 30), (70, 170)]]
    moved = [[(x + 120, y + 90) for x, y in line] for line in seven]
    a, b = digit_bitmap(canvas(seven)), digit_bitmap(canvas(moved))
    assert np.array_equal(a, b), 'where on the canvas it is drawn does not matter'
    rows, cols = np.flatnonzero(a.any(axis=1)), columns(a)
    assert (rows[0], rows[-1]) == (0, 31), 'full height, as every training digit'
    assert abs(cols[0] - (31 - cols[-1])) <= 1, 'centred by its bounding box'


def test_a_plain_one_stays_narrow_and_wide_digits_get_20_points():
    one = digit_bitmap(canvas([[(140, 40), (140, 240)]]))
    assert len(columns(one)) <= 12, 'a one is not stretched to the width of other digits'
    assert np.flatnonzero(one.any(axis=1)).tolist() == list(range(32))
    zero = digit_bitmap(canvas([[(x, y) for x, y in zip(140 + 120 * np.sin(np.linspace(0, 6.4, 60)), 140 - 60 * np.cos(np.linspace(0, 6.4, 60)),
                                                       strict=True)]]))
    assert len(columns(zero)) == NIST_WIDTH, 'twice as wide as high: squeezed to 20 points, as NIST did'
    ones = digits_frame().query("digit == '1'")[PIXELS].to_numpy().reshape(-1, 8, 8)
    plain = ones[(ones[:, 7] > 4).sum(axis=1) <= 3]  # ones without a foot
    drawn = (preprocess_digit(canvas([[(140, 40), (140, 240)]])) > 0).any(axis=0).sum()
    assert drawn <= np.percentile((plain > 0).any(axis=1).sum(axis=1), 50), 'no wider than half the training ones (in columns of 8)'


def test_a_slanted_one_is_straightened():
    one = digit_bitmap(canvas([[(170, 40), (110, 240)]]))
    left = [np.flatnonzero(one[r])[0] for r in (3, 16, 28)]
    assert max(left) - min(left) <= 1, left
    assert not np.array_equal(one, digit_bitmap(canvas([[(170, 40), (110, 240)]]), deslant=False))


@pytest.mark.parametrize('width', [4, 18, 40])
def test_stroke_width_lands_in_the_training_range(width, training_ink):
    "However thick the pen, the ink of the 32×32 bitmap lies where the training digits' ink lies."
    seven = canvas([[(60, 40), (220, 40), (110, 250)]], width=width)
    ink = preprocess_digit(seven).sum()
    assert training_ink[0] <= ink <= training_ink[1] and INK_BAND[0] <= ink <= INK_BAND[1], (width, ink, training_ink)


def test_thin_and_thick_pens_give_nearly_the_same_digit(training_ink):
    seven = [[(60, 40), (220, 40), (110, 250)], [(100, 150), (200, 150)]]
    thin, thick = (preprocess_digit(canvas(seven, width=w)) for w in (6, 36))
    assert np.abs(thin - thick).mean() < 2.5, np.abs(thin - thick).mean()
    unchanged = preprocess_digit(canvas(seven, width=6), ink=None).sum()
    assert unchanged < training_ink[0], 'without the stroke step a thin pen gives far less ink than any training digit'


def test_every_image_mode_gives_the_same_digit():
    rgba = draw_digit('4', 'offen', 3)
    gray = Image.fromarray(rgba).convert('L')
    ink_alpha = Image.new('RGBA', gray.size, (0, 0, 0, 0)); ink_alpha.putalpha(Image.eval(gray, lambda v: 255 - v))
    base = preprocess_digit(rgba)
    for img in (gray, gray.convert('RGB'), ink_alpha, Image.eval(gray, lambda v: 255 - v), np.asarray(gray, float) / 255,
                Image.fromarray(np.asarray(gray, np.uint16) * 257)):
        assert np.abs(preprocess_digit(img) - base).max() <= 1


@pytest.fixture(scope='module')
def quick_net():
    "The CNN as `train_digits_cnn` trains it in quick mode (same split, seed 0, 12 epochs, the validation rows choose the epoch), untracked."
    from amalea_quack.reproducibility import set_seed
    from amalea_quack.vision import DIGITS_EPOCHS_QUICK, DIGITS_PARAMS, DigitsCNN, digits_splits, fit_cnn
    p = DIGITS_PARAMS
    set_seed(0)
    split, dev = digits_splits(seed=0)
    net = DigitsCNN(tuple(p['channels']), p['hidden'], p['dropout'])
    fit_cnn(net, dev.X_train, dev.y_train, dev.X_test, dev.y_test, epochs=DIGITS_EPOCHS_QUICK, batch_size=p['batch_size'], lr=p['lr'],
            max_angle=p['max_angle'], max_shift=p['max_shift'], seed=0)
    return net, split


# Measured on this test set (drawn_digits(0)) with the quick recipe for training seeds 0–9 and the full one (30 epochs) for seeds 0–4:
# every form fully correct in all 15 models except sevens without crossbar (at least 5 of 6), ones with flag and foot (at least 1 of 4;
# read as 2) and eights (at least 1 of 3; read as 3). Overall 49–55 of 55. The same seed trains another network on another CPU (the
# floating-point kernels differ with the instruction set, here likely AVX-512): seed 0 quick read 49 of 55 on one machine and 48 on
# another, which read none of the ones with flag and foot. So the weak forms get floors at or below the weakest model seen, which
# add up to notebook 11's own check (47 of 55, 85 %), and test what the preprocessing is for: the old one read 0 or 1 of the 6 sevens.
AT_LEAST = {('7', 'ohne Querstrich'): 4, ('1', 'mit Fähnchen und Fuß'): 0, ('8', 'Grundform'): 1}  # every other form: all drawings


def test_the_quick_model_reads_the_drawings(quick_net):
    from amalea_quack.vision import predict_frame
    net, split = quick_net
    assert (predict_frame(net, split.X_test)['label'].to_numpy() == split.y_test.to_numpy()).mean() >= 0.97, 'UCI test split'
    d = drawn_digits()
    X = np.stack([preprocess_digit(img).ravel() for img in d['image']])
    d['ok'] = predict_frame(net, pd.DataFrame(X, columns=PIXELS))['label'].to_numpy() == d['digit'].to_numpy()
    correct = d.groupby(['digit', 'form'])['ok'].agg(['sum', 'size'])
    short = {form: f"{row['sum']} of {row['size']}" for form, row in correct.iterrows() if row['sum'] < AT_LEAST.get(form, row['size'])}
    assert not short, f'too few drawings read correctly: {short}'
