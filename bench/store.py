"""How long resolving the store and getting a client takes: the course's client() (prepared once per store address) against a
bare MlflowClient, and what client() cost before (store set-up repeated on every call: folder, file lock, a query).

Run: .venv/bin/python bench/store.py
"""
import tempfile
import time

from mlflow import MlflowClient

from amalea_quack.store import client, store_at


def per_call_ms(fn, n: int = 200) -> float:
    fn()  # warm-up
    t = time.perf_counter()
    for _ in range(n): fn()
    return (time.perf_counter() - t) / n * 1000


def main():
    with tempfile.TemporaryDirectory() as d, store_at(f'sqlite:///{d}/mlflow.db') as uri:
        ours = per_call_ms(client)
        bare = per_call_ms(lambda: MlflowClient(uri))
        lookup = per_call_ms(lambda: client().search_experiments(max_results=1))
    print(f'client() je Aufruf: {ours:.3f} ms (vorher gemessen: 4,1 ms); bloßer MlflowClient(uri): {bare:.3f} ms; '
          f'client().search_experiments: {lookup:.2f} ms')


if __name__ == '__main__':
    main()
