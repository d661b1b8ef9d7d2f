"""Frozen records for the language check's few value classes, without the dataclasses module.

`import dataclasses` brings inspect (and ast, dis and tokenize with it), and every @dataclass writes
and compiles its methods as the class is made: together about a tenth of a whole `recovery-voice
check`, for half a dozen classes. A Record's methods are written once, here, for all of them, and
behave as a frozen dataclass's do: fields in the order they are annotated, class values as their
defaults, equality, hash and repr over the fields, and no assignment once made.
"""

from __future__ import annotations


class Record:
    """A frozen value: its annotated class attributes are its fields; those in UNCOMPARED are left out of ==, hash and repr."""

    UNCOMPARED: tuple[str, ...] = ()
    _fields: tuple[str, ...] = ()
    _compared: tuple[str, ...] = ()

    def __init_subclass__(cls, **kwargs) -> None:
        """Read the fields from the class's own annotations, once, as the class is made."""
        super().__init_subclass__(**kwargs)
        cls._fields = tuple(cls.__dict__.get("__annotations__", {}))  # its own: records are not subclassed further
        cls._compared = tuple(name for name in cls._fields if name not in cls.UNCOMPARED)

    def __init__(self, *args, **kwargs) -> None:
        """Set each field from the arguments, by position or name, or from its default; then __post_init__, if any."""
        cls = type(self)
        if len(args) > len(cls._fields):
            raise TypeError(f"{cls.__name__}() takes {len(cls._fields)} arguments, not {len(args)}")
        values = dict(zip(cls._fields, args))
        for name, value in kwargs.items():
            if name not in cls._fields or name in values:
                raise TypeError(f"{cls.__name__}() got an unexpected or repeated argument {name!r}")
            values[name] = value
        for name in cls._fields:
            if name not in values:
                if not hasattr(cls, name):
                    raise TypeError(f"{cls.__name__}() is missing the argument {name!r}")
                values[name] = getattr(cls, name)
        self.__dict__.update(values)
        post_init = getattr(self, "__post_init__", None)
        if post_init is not None:
            post_init()

    def _key(self) -> tuple:
        """Return the compared fields' values, in order."""
        return tuple(getattr(self, name) for name in self._compared)

    def __eq__(self, other) -> bool:
        """Tell whether another record of the same class has equal compared fields."""
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        """Hash by the compared fields, like equality."""
        return hash(self._key())

    def __repr__(self) -> str:
        """Show the class and the compared fields, as a dataclass does."""
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self._compared)
        return f"{type(self).__qualname__}({shown})"

    def __setattr__(self, name: str, value) -> None:
        """Refuse assignment: a record is a value (object.__setattr__ is for a class's own __post_init__)."""
        raise AttributeError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        """Refuse deletion, like assignment."""
        raise AttributeError(f"cannot delete field {name!r}")
