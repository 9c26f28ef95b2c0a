"""Text classifier: transformer load time, embedding throughput, single-text latency, and accuracy vs. baseline in quick and full mode.

Runs in a temporary MLflow store; prints the machine load next to the figures (they mean little on a busy CPU)."""
import os
import tempfile
import time

os.environ.setdefault('MPLCONFIGDIR', tempfile.mkdtemp(prefix='bench-mpl-'))
os.environ['MLFLOW_TRACKING_URI'] = f"sqlite:///{tempfile.mkdtemp(prefix='bench-text-')}/mlflow.db"

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402


def percentiles(times: list[float]) -> str:
    return f'p50 {np.percentile(times, 50):.1f} ms, p99 {np.percentile(times, 99):.1f} ms'


def main():
    print(f'Last (1/5/15 min): {os.getloadavg()} auf {os.cpu_count()} Kernen')
    t0 = time.perf_counter()
    from amalea_quack.text import QUICK_PER_CLASS, TEXT_MODEL, embed, load_german_texts, predict_frame, text_model
    text_model()
    print(f'Import und Laden des Transformers: {time.perf_counter() - t0:.1f} s (zweiter Aufruf aus dem Zwischenspeicher)')

    texts = load_german_texts()['text'].tolist()
    t0 = time.perf_counter()
    embed(texts)
    secs = time.perf_counter() - t0
    print(f'Einbetten von {len(texts)} Texten: {secs:.1f} s ({len(texts) / secs:.0f} Texte/s)')

    single = []
    for t in texts[:100]:
        s = time.perf_counter(); embed(t); single.append((time.perf_counter() - s) * 1000)
    print(f'Ein Text einbetten: {percentiles(single)}')

    from amalea_quack.registry import load_model
    from amalea_quack.text import train_text_classifier
    rows = []
    for mode, n in (('schnell', QUICK_PER_CLASS), ('voll', None)):
        t0 = time.perf_counter()
        res = train_text_classifier(seed=0, n_per_class=n, latency_rows=100, run_name=f'bench-{mode}')
        m = res.metrics
        rows.append({'Modus': mode, 'Texte': m['n_train'] + m['n_test'], 'Training (s)': round(time.perf_counter() - t0, 1),
                     'Genauigkeit': round(m['accuracy'], 3), 'Baseline': round(m['baseline_accuracy'], 3),
                     'nur Transformer': round(m['accuracy_transformer'], 3), 'nur Zeichen-n-Gramme': round(m['accuracy_zeichen'], 3),
                     'F1 makro': round(m['f1_macro'], 3), 'Training-Genauigkeit': round(m['train_accuracy'], 3),
                     'Latenz p50 (ms)': round(m['latency_p50_ms'], 1), 'Latenz p99 (ms)': round(m['latency_p99_ms'], 1)})
    print(pd.DataFrame(rows).to_string(index=False))

    from amalea_quack.registry import register
    register(res.run_id, TEXT_MODEL)
    t0 = time.perf_counter()
    served = load_model(TEXT_MODEL, 'staging')
    print(f'Modell aus der Registry laden (Transformer schon im Prozess): {(time.perf_counter() - t0) * 1000:.0f} ms')
    served_times = []
    for t in texts[:100]:
        s = time.perf_counter(); served.predict({'text': t}); served_times.append((time.perf_counter() - s) * 1000)
    print(f'Ein Text über ServedModel.predict (Schema-Prüfung, pyfunc, Embedding, beide Klassifikatoren): {percentiles(served_times)}')
    direct = []
    for t in texts[:100]:
        s = time.perf_counter(); predict_frame(res.models, [t]); direct.append((time.perf_counter() - s) * 1000)
    print(f'Ein Text direkt (predict_frame): {percentiles(direct)}')
    print(f'Last danach: {os.getloadavg()}')


if __name__ == '__main__':
    main()
