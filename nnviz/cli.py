"""The `nnviz` command: the desktop app by default, headless sub-commands otherwise.

    nnviz                                   open the app
    nnviz train --preset NAME [--dataset D] [--epochs N] [--lr X] [--data-dir DIR] [--save FILE]
    nnviz gradcheck --preset NAME [--bug NAME]
    nnviz predict MODEL_FILE IMAGE_FILE...
    nnviz data list | nnviz data fetch NAME
"""

from __future__ import annotations

import argparse
import signal
import sys
from pathlib import Path

import numpy as np

GRADCHECK_THRESHOLD = 1e-7   # the relative tolerance above the noise floor (nnviz.engine.gradcheck.DEFAULTS)


def _positive_int(text):
    value = int(text)
    if value <= 0:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def _positive_float(text):
    value = float(text)
    if not value > 0:
        raise argparse.ArgumentTypeError(f"must be a positive number, got {text}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="nnviz", description="A desktop lab for learning how neural networks work.")
    parser.add_argument("--version", action="version", version=f"nnviz {__import__('nnviz').__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="open the desktop app (the default)")
    gui.add_argument("--preset", help="preset to open with")
    gui.add_argument("--data-dir", help="directory holding dataset files")

    opener = sub.add_parser("open", help="open the desktop app on a run, model or classroom file")
    opener.add_argument("file", help="an .h5 file saved by nnviz (File → Save run / Save classroom…)")
    opener.add_argument("--data-dir", help="directory holding dataset files")

    train = sub.add_parser("train", help="train a preset headless and report test accuracy")
    train.add_argument("--preset", required=True, help="preset name (see `nnviz presets`)")
    train.add_argument("--dataset", help="train on another dataset than the preset's")
    train.add_argument("--epochs", type=_positive_int, help="epochs (full-batch presets: iterations)")
    train.add_argument("--lr", type=_positive_float, help="learning rate")
    train.add_argument("--batch-size", type=_positive_int, help="mini-batch size (default: the preset's)")
    train.add_argument("--seed", type=int, help="random seed for weights and shuffling")
    train.add_argument("--data-dir", help="directory holding dataset files")
    train.add_argument("--save", metavar="FILE", help="save the trained model (HDF5)")

    from nnviz.engine.bugs import BACKPROP_BUGS
    from nnviz.engine.gradcheck import DEFAULTS as CHECK

    check = sub.add_parser("gradcheck", help="check backprop against numerical gradients (the app's defaults)")
    check.add_argument("--preset", required=True)
    check.add_argument("--dataset")
    check.add_argument("--data-dir")
    check.add_argument("--bug", choices=list(BACKPROP_BUGS),
                       help="check one of the teaching bugs instead of the engine's backprop")
    check.add_argument("--samples", type=_positive_int, default=CHECK.samples,
                       help=f"training samples the cost is computed on (default {CHECK.samples}, a fixed random "
                            "subset, the same as the app's)")
    check.add_argument("--max-coords", type=_positive_int, default=CHECK.max_coords,
                       help=f"parameter coordinates to sample, shared out per tensor (default {CHECK.max_coords})")
    check.add_argument("--epsilon", type=_positive_float, default=CHECK.epsilon,
                       help=f"finite-difference step relative to each tensor's scale (default {CHECK.epsilon:g})")
    check.add_argument("--precision", choices=("float64", "extended"),
                       default="extended" if CHECK.numeric_dtype == "longdouble" else "float64",
                       help="precision of the numerical side (default float64, as in the app; extended: "
                            "80-bit where available)")

    predict = sub.add_parser("predict", help="classify image files with a saved model")
    predict.add_argument("model", help="model file saved by `nnviz train --save` or the app")
    predict.add_argument("images", nargs="+", help="image files (PNG, JPEG, BMP, GIF)")

    sub.add_parser("presets", help="list the presets")

    data = sub.add_parser("data", help="list or download datasets")
    data_sub = data.add_subparsers(dest="data_command", metavar="ACTION", required=True)
    data_list = data_sub.add_parser("list", help="which datasets are found where")
    data_list.add_argument("--data-dir")
    fetch = data_sub.add_parser("fetch", help="download a dataset with checksum verification")
    fetch.add_argument("name", help="dataset name, e.g. mnist")
    fetch.add_argument("--data-dir", help="where to save (default: the user data directory)")
    return parser


def _dataset_for(preset, name, data_dir):
    from nnviz.data import load_dataset

    name = name or preset.dataset
    options = dict(preset.dataset_options) if name == preset.dataset else {}
    return load_dataset(name, data_dir=data_dir, **options)


def cmd_train(args) -> int:
    from nnviz.console import TrainingProgress
    from nnviz.engine import save_model, tune_process
    from nnviz.engine.io import check_save_target
    from nnviz.lab.presets import load_preset

    tune_process()
    preset = load_preset(args.preset)
    if args.save is not None:
        check_save_target(args.save)  # a wrong folder is reported now, not after training
    ds = _dataset_for(preset, args.dataset, args.data_dir)
    if args.seed is not None:
        preset.seed = args.seed
    model = preset.build_model(ds.input_shape)
    optimizer = preset.build_optimizer(**({"lr": args.lr} if args.lr else {}))
    epochs = args.epochs or preset.epochs
    batch = args.batch_size or preset.batch_size
    print(f"preset {preset.name}: {preset.title}")
    print(f"dataset {ds.name}: {len(ds.y_train)} training, {len(ds.y_test)} test samples, input {ds.input_shape}")
    print(model.summary())
    print(f"optimizer {optimizer.name} lr {optimizer.lr:g}, {epochs} {preset.count_label}, "
          f"batch {'full' if batch is None else batch}")
    validation_freq = max(1, epochs // 50)
    progress = TrainingProgress(label=preset.count_label.rstrip("s"))
    try:
        history = model.fit(ds.X_train, ds.y_train, optimizer=optimizer, epochs=epochs, batch_size=batch,
                            validation_data=(ds.X_test, ds.y_test), callbacks=[progress],
                            validation_freq=validation_freq)
    except KeyboardInterrupt:
        print("\ninterrupted: stopping.", file=sys.stderr)
        model.history.status = "stopped"
        history = model.history
    if history.status == "diverged":
        print(f"nnviz: training diverged: {history.message}", file=sys.stderr)
    train_acc = model.evaluate(ds.X_train, ds.y_train)["accuracy"]
    test = model.evaluate(ds.X_test, ds.y_test)
    if args.save is not None:
        save_model(model, args.save, optimizer=optimizer,
                   extra={"preset": preset.name, "dataset": ds.name, "class_names": list(ds.class_names)})
        print(f"saved model to {args.save}")
    print(f"train accuracy: {train_acc:.4f}")
    print(f"test cost: {test['loss']:.4f}")
    print(f"test accuracy: {test['accuracy']:.4f}")
    return {"completed": 0, "stopped": 130}.get(history.status, 1)


def cmd_gradcheck(args) -> int:
    from dataclasses import replace

    from nnviz.engine import tune_process
    from nnviz.engine.bugs import get_bug
    from nnviz.lab.gradcheck import (
        DEFAULTS,
        GradCheckRequest,
        check_samples,
        run_check,
        tensor_words,
        verdict,
    )
    from nnviz.lab.presets import load_preset

    tune_process()
    preset = load_preset(args.preset)
    ds = _dataset_for(preset, args.dataset, args.data_dir)
    model = preset.build_model(ds.input_shape)
    numeric = "longdouble" if args.precision == "extended" else "float64"
    settings = replace(DEFAULTS, epsilon=args.epsilon, numeric_dtype=numeric, samples=args.samples,
                       max_coords=args.max_coords)
    X, y = check_samples(ds.X_train, ds.y_train, settings.samples, settings.seed)
    print(f"gradient check of {preset.name} ({model.count_params():,} parameters) on {len(y)} training samples, "
          f"epsilon {args.epsilon:g} (relative), up to {args.max_coords} coordinates, numerical side in "
          f"{np.dtype(numeric).name}, backprop: {args.bug + ' (bug)' if args.bug else 'correct'}")
    last = [0]

    def report(progress):
        done, total = progress
        if sys.stdout.isatty() and done - last[0] >= 50 or done == total:
            last[0] = done
            print(f"\r  {done}/{total} coordinates", end="\n" if done == total else "", flush=True)

    request = GradCheckRequest(model=model, X=X, y=y, max_coords=settings.max_coords, backward=get_bug(args.bug),
                               bug_name=args.bug or "", seed=settings.seed, settings=settings)
    r = run_check(request, report, lambda: False)
    width = max(len(k) for k in r.per_parameter)
    for name, diff in r.per_parameter.items():
        status, words = tensor_words(r, name)
        kinks = r.kinks.get(name, 0)
        checked = len(r.samples[name][0])
        note = f", {kinks} on a kink excluded" if kinks else ""
        label = {"agrees": "ok", "differs": "DIFFERS", "noise": "below noise floor", "kinks": "not checkable"}[status]
        print(f"  {name.ljust(width)}  {diff:10.3e}  {label:17s}  {words}  ({checked} coords{note})")
    kind, sentence = verdict(r)
    print(f"overall relative difference: {r.relative_difference:.3e}; {sentence}.")
    if kind == "right":
        print("backprop is right.")
        return 0
    if kind == "wrong":
        print("backprop disagrees with the numerical gradient.")
    else:
        print("cannot tell: nothing measurable was checked.")
    return 1


def _class_names(extra, units: int, model_path) -> list[str]:
    """The class names saved with a model, or "0", "1", ... when they are missing or do not fit."""
    fallback = [str(i) for i in range(max(2, units))]
    names = extra.get("class_names")
    if names in (None, []):
        return fallback
    if (not isinstance(names, list) or len(names) != len(fallback)
            or not all(isinstance(n, (str, int)) and not isinstance(n, bool) for n in names)):
        print(f"nnviz: warning: {model_path}: its class_names should be {len(fallback)} names, one per output; "
              f"found {str(names)[:80]}; showing class numbers instead", file=sys.stderr)
        return fallback
    return [str(n)[:100] for n in names]


def _check_finite_weights(model, model_path) -> None:
    for layer in model.layers:
        for key, value in {**layer.params, **layer.buffers}.items():
            if not np.all(np.isfinite(value)):
                raise ValueError(f"{model_path}: the weights of {layer.name} ({key}) contain NaN or infinity "
                                 "(the training diverged); expected finite weights, so nothing can be predicted")


def cmd_predict(args) -> int:
    from nnviz.data.images import ImageError, load_image, preprocess_for_model
    from nnviz.engine import load_model
    from nnviz.lab.prediction import class_probabilities

    model, _, extra = load_model(args.model, with_extra=True)
    _check_finite_weights(model, args.model)
    names = _class_names(extra, model.output_units, args.model)
    status = 0
    for path in args.images:
        try:
            x = preprocess_for_model(load_image(path), model.input_shape)
            p = model.predict(x[None].astype(model.dtype))[0]
        except (ImageError, ValueError, OSError) as exc:
            print(str(exc) if str(path) in str(exc) else f"{path}: {exc}", file=sys.stderr)
            status = 1
            continue
        except MemoryError:
            print(f"{path}: there is not enough memory to read this image; it was skipped", file=sys.stderr)
            status = 1
            continue
        probs = class_probabilities(p)
        if not np.all(np.isfinite(probs)):
            print(f"{path}: the model's output is not a number (NaN); expected probabilities", file=sys.stderr)
            status = 1
            continue
        top = int(np.argmax(probs))
        ranked = ", ".join(f"{names[i]} {probs[i]:.3f}" for i in np.argsort(probs)[::-1][:3])
        print(f"{path}: {names[top]} ({probs[top]:.1%})  [{ranked}]")
    return status


def cmd_presets(args) -> int:
    from nnviz.lab.presets import list_presets, load_preset

    for name in list_presets():
        print(f"{name:24s} {load_preset(name).title}")
    return 0


def cmd_data(args) -> int:
    from nnviz.data import fetch_dataset, format_dataset_table, list_datasets

    if args.data_command == "list":
        print(format_dataset_table(list_datasets(data_dir=args.data_dir)))
        return 0
    tty = sys.stdout.isatty()

    def progress(name, done, total):
        if total and done >= total:
            print(f"\r  {name}: {total:,} bytes, checking SHA-256", flush=True)
        elif tty:
            amount = f"{done / total:6.1%}" if total else f"{done:,} bytes"
            print(f"\r  {name}: {amount}", end="", flush=True)

    print(f"fetching {args.name} ...")
    for path in fetch_dataset(args.name, data_dir=args.data_dir, progress=progress):
        print(f"  ok  {path}")
    return 0


def _no_display_reason() -> str | None:
    """Why Qt could not open a window here (Linux without X11/Wayland), or None."""
    import os

    if not sys.platform.startswith("linux") or os.environ.get("QT_QPA_PLATFORM"):
        return None
    if os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"):
        return None
    return ("no display found (neither DISPLAY nor WAYLAND_DISPLAY is set), so the app cannot open a window; "
            "train headless with `nnviz train --preset moons`, or run the app where there is a screen.")


def run_gui(preset=None, data_dir=None, open_file=None) -> int:
    if open_file is not None and not Path(open_file).is_file():
        print(f"nnviz: error: {open_file}: no such file.", file=sys.stderr)
        return 2
    reason = _no_display_reason()
    if reason:
        print(f"nnviz: {reason}", file=sys.stderr)
        return 2
    from nnviz.gui.app import run

    return run(data_dir=data_dir, preset=preset, open_file=open_file)


def main(argv=None) -> int:
    args = build_parser().parse_args(argv)
    if args.command in (None, "gui"):
        return run_gui(getattr(args, "preset", None), getattr(args, "data_dir", None))
    if args.command == "open":
        return run_gui(None, args.data_dir, open_file=args.file)
    from nnviz.data import DatasetError
    from nnviz.engine.io import ModelFileError

    commands = {"train": cmd_train, "gradcheck": cmd_gradcheck, "predict": cmd_predict,
                "presets": cmd_presets, "data": cmd_data}
    signal.signal(signal.SIGPIPE, signal.SIG_DFL) if hasattr(signal, "SIGPIPE") else None
    try:
        return commands[args.command](args)
    except (DatasetError, ModelFileError, ValueError, OSError) as exc:
        print(f"nnviz: error: {_one_line(exc)}", file=sys.stderr)
        return 2
    except MemoryError:
        print("nnviz: error: out of memory: the file or network needs more memory than this machine has free; "
              "nothing was changed", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("nnviz: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # noqa: BLE001 (the error boundary: one sentence, never a traceback)
        print(f"nnviz: error: {type(exc).__name__}: {_one_line(exc)} (this is a bug in nnviz; please report it "
              "with the command you ran)", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= 2000 else text[:2000] + "…"
