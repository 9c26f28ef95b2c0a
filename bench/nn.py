"""Week 5 network figures: epochs per second (bare loop, one vs. all torch threads, with MLflow tracking), a full training, the app's job.

Run: .venv/bin/python bench/nn.py   (uses a temporary store; prints figures, asserts nothing)
"""
import os
import tempfile
import time
from pathlib import Path


def timed(fn):
    "Wall-clock and CPU seconds of fn(), and its result."
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def main():
    store = Path(tempfile.mkdtemp(prefix='bench-store-'))
    os.environ['MLFLOW_TRACKING_URI'] = f'sqlite:///{store}/mlflow.db'
    os.environ.setdefault('MPLCONFIGDIR', str(store / 'mpl'))
    import torch

    from amalea_quack.eda import load_dataset
    from amalea_quack.nn import MLP, evaluate_model, make_loader, prepare_tabular, start_training, train_epoch, train_mlp, warm_up
    from amalea_quack.reproducibility import set_seed
    from amalea_quack.store import use_store

    use_store()  # the store's one-off migration is not part of any figure below
    wall, cpu, _ = timed(warm_up)
    print(f'warm_up (lazy imports of torch optimizer, MLflow SQL store, matplotlib): {wall:5.2f} s wall, {cpu:5.2f} s CPU')

    penguins = load_dataset('penguins')
    data = prepare_tabular(penguins, 'species')
    print(f'data: penguins, {len(data.y_train)} training rows, {data.n_features} features, batch 32, MLP (32,)')
    cores = torch.get_num_threads()
    for threads in sorted({1, cores}):
        torch.set_num_threads(threads)
        set_seed(0)
        model = MLP(data.n_features, data.n_classes, (32,))
        opt, loss_fn = torch.optim.Adam(model.parameters(), lr=0.01), torch.nn.CrossEntropyLoss()
        loader = make_loader(data.X_train, data.y_train)

        def loop(model=model, opt=opt, loss_fn=loss_fn, loader=loader, n=100):
            for _ in range(n):
                train_epoch(model, loader, loss_fn, opt)
                evaluate_model(model, data.X_train, data.y_train, loss_fn)
                evaluate_model(model, data.X_val, data.y_val, loss_fn)
        wall, cpu, _ = timed(loop)
        print(f'bare training loop, {threads} torch thread(s): {100 / wall:7.1f} epochs/s  '
              f'({wall / 100 * 1000:5.1f} ms wall, {cpu / 100 * 1000:5.1f} ms CPU per epoch)')
    torch.set_num_threads(cores)

    wall, cpu, r = timed(lambda: train_mlp(penguins, 'species', epochs=60, patience=0, progress=False, run_name='bench-60'))
    print(f'train_mlp, 60 epochs with MLflow logging per epoch: {60 / wall:6.1f} epochs/s  ({wall:5.2f} s wall, {cpu:5.2f} s CPU, status {r.status})')
    wall, cpu, r = timed(lambda: train_mlp(penguins, 'species', epochs=150, patience=15, progress=False, run_name='bench-notebook'))
    print(f"full training as in the notebook (150 epochs max, patience 15): {wall:5.2f} s wall, {cpu:5.2f} s CPU, "
          f"{len(r.history)} epochs, {r.stop_reason}, best val accuracy {r.metrics['best_val_accuracy']:.3f}")

    t = time.perf_counter()
    job = start_training(penguins, 'species', epochs=1000, patience=0, run_name='bench-job')
    while not job.history and job.running: time.sleep(0.005)
    first = time.perf_counter() - t
    while len(job.history) < 20 and job.running: time.sleep(0.005)
    t = time.perf_counter(); job.stop(); job.wait(120)
    stop = time.perf_counter() - t
    print(f'app job (background thread): first epoch after {first * 1000:6.1f} ms; stop → run {job.status} after {stop * 1000:6.1f} ms '
          '(finishes the epoch, restores the best weights, logs metrics and the curve figure)')


if __name__ == '__main__':
    main()
