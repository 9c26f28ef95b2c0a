"""Canvas drawings against the digits CNN: the test set of drawings made the way the app's canvas makes them (`drawn_digits`)."""
import numpy as np

from amalea_quack.vision import CANVAS_SIZE, draw_digit, drawn_digits


def test_drawings_are_reproducible_and_look_like_the_canvas():
    d = drawn_digits()
    assert len(d) == 55 and sorted(d['digit'].unique()) == [str(i) for i in range(10)]
    assert (d.groupby(['digit', 'form']).size().loc['7'] == 6).all()  # six sevens with and six without crossbar
    img = d['image'][0]
    assert img.shape == (CANVAS_SIZE, CANVAS_SIZE, 4) and img.dtype == np.uint8
    assert (img[..., 3] == 255).all() and img[0, 0, :3].tolist() == [255, 255, 255] and img[..., :3].min() == 0
    assert all(np.array_equal(a, b) for a, b in zip(d['image'], drawn_digits()['image'], strict=True))
    assert not np.array_equal(draw_digit('7', 'ohne Querstrich', 1), draw_digit('7', 'ohne Querstrich', 2))
