"""inference: the seed's predict([5, 7]), Predictor, run(), and what metadata changes."""

import numpy as np
import pytest

from nnpy import inference, saved_models
from nnpy.activations import relu, relu_deriv, sigmoid, sigmoid_deriv
from nnpy.datasets import feature_map, make_dataset
from nnpy.inference import Prediction, Predictor, classify, load, predict, run
from nnpy.layers import DenseLayer
from nnpy.losses import binary_cross_entropy, binary_cross_entropy_deriv
from nnpy.model import SequentialModel
from nnpy.saved_models import ModelFileError, save_model
from nnpy.trainer import Trainer


@pytest.fixture(autouse=True)
def fresh_module_state(monkeypatch):
    """No model loaded and nothing saved, before and after each test."""
    inference.unload()
    monkeypatch.setattr(saved_models, "_last_saved", (0, None))
    yield
    inference.unload()


def test_the_seed_1_snippet_runs_as_written(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    X_train = X_test = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y_train = y_test = np.array([[0], [1], [1], [0]], dtype=float)
    # --- the seed's lines, unchanged ---
    model = SequentialModel([

        DenseLayer(2, 6, relu, relu_deriv),

        DenseLayer(6, 3, relu, relu_deriv),

        DenseLayer(3, 1, sigmoid, sigmoid_deriv)

    ])
    trainer = Trainer(model, binary_cross_entropy, binary_cross_entropy_deriv, lr=0.01)
    trainer.train(X_train, y_train, epochs=2000, batch_size=4)
    loss, acc = trainer.evaluate(X_test, y_test, classification=True)
    save_model(model, "model.pkl")
    prediction = predict([5, 7])
    # --- end of the seed's lines ---
    expected = model.predict([5, 7])
    assert prediction.shape == (1,) and prediction.tobytes() == expected.tobytes()
    # predict() rebuilt the model from the file: changing the model in memory does not
    # change the answer, saving it again does.
    model.layers[2].b = model.layers[2].b + 5.0
    assert predict([5, 7]).tobytes() == expected.tobytes()
    save_model(model, "model.pkl")
    assert predict([5, 7]).tobytes() == model.predict([5, 7]).tobytes() != expected.tobytes()
    assert (tmp_path / "model.pkl").read_bytes()[:4] == b"PK\x03\x04"   # ours, not a pickle


def test_predict_without_a_model_says_what_to_do():
    with pytest.raises(RuntimeError, match=r"No model loaded: call nnpy\.inference\.load"):
        predict([5, 7])


def test_load_sets_the_model_predict_uses(tmp_path):
    a = SequentialModel.from_structure([2, 4, 3], seed=1)
    b = SequentialModel.from_structure([2, 4, 3], seed=2)
    save_model(a, tmp_path / "a.nnpy")
    save_model(b, tmp_path / "b.nnpy")
    returned = load(tmp_path / "a.nnpy")
    assert isinstance(returned, Predictor) and inference.current() is returned
    x = [[0.5, -2.0], [3.0, 1.0]]
    assert np.array_equal(predict(x), a.predict(x))      # the loaded one, not the last saved
    assert np.array_equal(predict(x, model=tmp_path / "b.nnpy"), b.predict(x))
    assert np.array_equal(predict(x, model=b), b.predict(x))
    assert classify(x[0]) == Predictor(a).classify(x[0])


def test_classify_softmax_agrees_with_the_probabilities(tmp_path):
    model = SequentialModel.from_structure([3, 8, 4], seed=0)
    save_model(model, tmp_path / "m.nnpy")
    p = Predictor(tmp_path / "m.nnpy")
    x = np.random.default_rng(0).normal(size=(50, 3))
    probs = model.predict(x)
    classes, confidence = p.classify(x)
    assert np.array_equal(classes, probs.argmax(axis=1))
    assert np.array_equal(confidence, probs.max(axis=1))
    label, conf = p.classify(x[7])
    one = model.predict(x[7])    # one sample alone (a batch may differ in the last bit)
    assert (label, conf) == (int(one.argmax()), float(one.max()))
    assert isinstance(label, int) and isinstance(conf, float)


def test_classify_one_sigmoid_output_on_both_sides_of_one_half():
    model = SequentialModel([DenseLayer(1, 1, "sigmoid")])
    model.layers[0].W = [[1.0]]
    p = Predictor(model)
    assert p.classify([2.0]) == (1, pytest.approx(1 / (1 + np.exp(-2.0))))
    assert p.classify([-2.0]) == (0, pytest.approx(1 - 1 / (1 + np.exp(2.0))))
    classes, confidence = p.classify([[-3.0], [0.0], [3.0]])
    assert classes.tolist() == [0, 1, 1]
    assert confidence.tolist() == pytest.approx([1 - 1 / (1 + np.exp(3.0)), 0.5,
                                                 1 / (1 + np.exp(-3.0))])


def test_run_prints_the_seed_2_sentence(tmp_path):
    model = SequentialModel.from_structure([4, 6, 5], seed=3)
    save_model(model, tmp_path / "model.pkl", metadata={"class_names": list("abcde")})
    x = np.array([[0.2, 0.4, -1.0, 3.0]])        # the seed's shape: (1, input_size)
    printed = []
    result = run(tmp_path / "model.pkl", x, print_fn=printed.append)
    probs = model.predict(x)[0]
    k = int(probs.argmax())
    assert isinstance(result, Prediction)
    assert result.label == k and result.name == "abcde"[k]
    assert printed == [f"prediction = {'abcde'[k]} with {100 * probs[k]:.1f}% confidence"]
    several = run(tmp_path / "model.pkl", np.vstack([x, x * 2]), print_fn=printed.append)
    assert isinstance(several, list) and len(several) == 2 and len(printed) == 3


def test_regression_model_gives_values_not_classes():
    model = SequentialModel.from_structure([2, 5, 1], output_activation="linear", seed=0)
    p = Predictor(model)
    value = float(model.predict([1.0, 2.0])[0])
    assert str(p.explain([1.0, 2.0])) == f"prediction = {value:.6g}"
    with pytest.raises(ValueError, match=r"linear output \(regression\): use predict"):
        p.classify([1.0, 2.0])
    two = Predictor(SequentialModel.from_structure([2, 3], output_activation="linear", seed=0))
    assert str(two.explain([1.0, 2.0])).startswith("prediction = [")


def test_playground_features_in_metadata_map_points(tmp_path):
    features = ["x1", "x2", "x1^2", "x2^2", "x1*x2", "sin(x1)"]
    X, y = make_dataset("circle", 200, seed=0)
    model = SequentialModel.from_structure([len(features), 8, 2], seed=0)
    Trainer(model, "softmax_cross_entropy", lr=0.1, seed=0).train(feature_map(X, features), y,
                                                                  epochs=3)
    save_model(model, tmp_path / "m.nnpy", metadata={"features": features})
    p = Predictor(tmp_path / "m.nnpy")
    assert p.features == features
    assert np.array_equal(p.predict(X), model.predict(feature_map(X, features)))
    with pytest.raises(ValueError, match=r"takes points \(x1, x2\)"):
        p.predict(np.zeros((3, 6)))
    raw = Predictor(tmp_path / "m.nnpy", map_features=False)
    assert np.array_equal(raw.predict(feature_map(X, features)), p.predict(X))
    # Names that are not playground features are only names.
    save_model(model, tmp_path / "n.nnpy", metadata={"features": list("abcdef")})
    assert Predictor(tmp_path / "n.nnpy").features is None


def test_input_divisor_divides_every_input_the_same_way():
    model = SequentialModel.from_structure([4, 3], seed=0)
    p = Predictor(model, metadata={"input_divisor": 255})
    pixels = np.array([[0, 51, 255, 128], [0, 1, 0, 1]])
    assert np.array_equal(p.predict(pixels), model.predict(pixels / 255))
    assert np.array_equal(p.predict(pixels[1]), model.predict(pixels[1] / 255))  # alone: the same


def test_bad_inputs_and_files_are_refused_clearly(tmp_path):
    p = Predictor(SequentialModel.from_structure([2, 3], seed=0))
    with pytest.raises(ValueError, match=r"Received shape \(3,\): x has 3 values, and one sample of this model has 2"):
        p.predict([1, 2, 3])
    with pytest.raises(ValueError, match=r"x\[1\] is NaN"):
        p.predict([1, float("nan")])
    with pytest.raises(ValueError, match="must hold numbers"):
        p.predict(["a", "b"])
    with pytest.raises(ValueError, match=r"Received shape \(1, 1, 2\): x must be 2-D"):
        p.predict(np.zeros((1, 1, 2)))
    (tmp_path / "model.pkl").write_bytes(b"\x80\x04K\x01.")
    with pytest.raises(ModelFileError, match="pickle"):
        load(tmp_path / "model.pkl")
    with pytest.raises(RuntimeError):        # the failed load did not set a model
        predict([1, 2])
