"""The public surface is exactly __all__, and every name in it exists."""

import inspect

import aggregator


def test_all_names_exist_and_nothing_else_is_public() -> None:
    for name in aggregator.__all__:
        assert hasattr(aggregator, name), name
    # Submodules show up as attributes once imported anywhere; they are not API names.
    public = {n for n, v in vars(aggregator).items() if not n.startswith("_") and not inspect.ismodule(v)}
    assert public == set(aggregator.__all__) - {"__version__"}
