import pytest

from uniner.errors import RegistryError
from uniner.registry import Registry


def test_registry_register_and_get():
    reg: Registry[int] = Registry("widget")
    reg.register("a.v1", 1)
    assert reg.get("a.v1") == 1 and "a.v1" in reg and reg.names() == ["a.v1"]


def test_registry_duplicate_raises():
    reg: Registry[int] = Registry("widget")
    reg.register("a", 1)
    with pytest.raises(RegistryError, match="widget 'a' is already registered"):
        reg.register("a", 2)


def test_registry_unknown_lists_available():
    reg: Registry[int] = Registry("widget")
    reg.register("b", 1)
    reg.register("a", 1)
    with pytest.raises(RegistryError, match=r"unknown widget 'c'; available: a, b"):
        reg.get("c")


@pytest.mark.parametrize("name", ["", "Upper", "with space", "-lead"])
def test_registry_rejects_bad_names(name):
    with pytest.raises(RegistryError, match="must be lower-case"):
        Registry("widget").register(name, 1)
