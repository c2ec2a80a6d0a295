"""The dataset registry: every labelled benchmark set and the facts about it.

Facts live here, never inferred from file names (STYLE rule 5): domain, splits,
the tags as the files spell them, and the natural-language type name each tag is
asked as.  For the seven zero-shot sets the names are the UniversalNER
evaluation spellings (``program language``, ``metrics``, capitalised MIT
Restaurant types), so our numbers sit beside the paper's.  Files are found under
``<data_dir>/benchmark/<name>/``; a user's own directory in the same layout, or
a bare ``uniner_test.json``, is accepted by path wherever a name is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType

from uniner.data.bio import read_bio, read_labels
from uniner.errors import ConfigError, DataFormatError, RegistryError
from uniner.registry import Registry
from uniner.types import Entity, Example

UNINER_EVAL_FILE = "uniner_test.json"
SPLITS = ("train", "dev", "test")


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    domain: str
    labels: tuple[str, ...]
    type_names: Mapping[str, str] = field(default_factory=dict)
    splits: tuple[str, ...] = SPLITS
    has_uniner_eval: bool = False
    zero_shot: bool = False
    nested: bool = False
    source: str = ""
    licence: str = ""
    #: For datasets given by path: their directory (or the bare uniner_test.json).
    path: Path | None = None

    def __post_init__(self) -> None:
        unknown = set(self.type_names) - set(self.labels)
        if unknown:
            raise ConfigError(f"dataset {self.name}: type_names for unknown tags {sorted(unknown)}")

    @property
    def types(self) -> list[str]:
        """Natural-language type names, in label order: what a model is asked for."""
        return [self.type_names.get(tag, tag) for tag in self.labels]

    @property
    def has_bio(self) -> bool:
        return not (self.path is not None and self.path.is_file())

    def directory(self, data_dir: Path | None = None) -> Path:
        if self.path is not None:
            return self.path if self.path.is_dir() else self.path.parent
        return (data_dir or default_data_dir()) / "benchmark" / self.name

    def split_path(self, split: str, data_dir: Path | None = None) -> Path:
        if split not in self.splits or not self.has_bio:
            raise ConfigError(
                f"dataset {self.name} has no {split!r} split; available: {', '.join(self.splits) or '(none)'}"
            )
        path = self.directory(data_dir) / f"{split}.txt"
        if not path.is_file():
            raise DataFormatError(f"split file of dataset {self.name} is missing", path)
        return path

    def examples(self, split: str, data_dir: Path | None = None) -> Iterator[Example]:
        """Sentences of one split, entity types renamed to natural-language names."""
        path = self.split_path(split, data_dir)
        known = set(self.labels)
        for example in read_bio(path, dataset=self.name, id_prefix=f"{self.name}-{split}"):
            entities = []
            for e in example.entities:
                if e.type not in known:
                    raise DataFormatError(
                        f"tag {e.type!r} is not in the labels of dataset {self.name} ({', '.join(self.labels)})",
                        path,
                    )
                entities.append(Entity(e.text, self.type_names.get(e.type, e.type), e.start, e.end))
            yield Example(example.id, example.text, tuple(entities), self.name)

    def uniner_eval_path(self, data_dir: Path | None = None) -> Path | None:
        """The official UniversalNER evaluation file (test split), if the dataset has one."""
        if self.path is not None and self.path.is_file():
            return self.path
        if not self.has_uniner_eval:
            return None
        return self.directory(data_dir) / UNINER_EVAL_FILE


def default_data_dir() -> Path:
    value = os.environ.get("UNINER_DATA")
    if not value:
        raise ConfigError("no data directory: set UNINER_DATA or pass --data-dir")
    path = Path(value)
    if not path.is_dir():
        raise ConfigError(f"data directory {path} (from UNINER_DATA) does not exist")
    return path


DATASETS: Registry[DatasetSpec] = Registry("dataset")

ZERO_SHOT = (
    "crossner_ai",
    "crossner_literature",
    "crossner_music",
    "crossner_politics",
    "crossner_science",
    "mit_movie",
    "mit_restaurant",
)


def groups() -> dict[str, list[str]]:
    """Named selections: ``zero-shot``, ``supervised`` (has a train split), ``training``
    (supervised minus the zero-shot sets: what a zero-shot model may train on), ``all``."""
    names = DATASETS.names()
    specs = [DATASETS.get(n) for n in names]
    supervised = [s.name for s in specs if "train" in s.splits]
    return {
        "zero-shot": list(ZERO_SHOT),
        "supervised": supervised,
        "training": [n for n in supervised if n not in ZERO_SHOT],
        "all": names,
    }


def resolve_datasets(selector: str, data_dir: Path | None = None) -> list[DatasetSpec]:
    """``zero-shot`` / ``supervised`` / ``training`` / ``all`` / ``a,b`` / a path, in order, without repeats."""
    items = [item.strip() for item in selector.split(",") if item.strip()]
    if not items:
        raise ConfigError("no dataset given")
    named = groups()
    specs: dict[str, DatasetSpec] = {}
    for item in items:
        if item in named:
            for name in named[item]:
                specs.setdefault(name, DATASETS.get(name))
        elif item in DATASETS:
            specs.setdefault(item, DATASETS.get(item))
        elif Path(item).exists():
            spec = dataset_from_path(Path(item))
            specs.setdefault(spec.name, spec)
        else:
            raise RegistryError(
                f"unknown dataset {item!r}: not a group ({', '.join(named)}), a registered dataset "
                f"({', '.join(DATASETS.names())}) or an existing path"
            )
    return list(specs.values())


def dataset_from_path(path: Path) -> DatasetSpec:
    """A user's directory (``{train,dev,test}.txt`` + ``labels.txt``) or a bare ``uniner_test.json``."""
    if path.is_file():
        from uniner.data.conversations import read_conversations

        types = list(dict.fromkeys(q.type for c in read_conversations(path) for q in c.queries))
        if not types:
            raise DataFormatError("evaluation file asks no question", path)
        return DatasetSpec(path.stem, "custom", tuple(types), splits=("test",), has_uniner_eval=True, path=path)
    splits = tuple(s for s in SPLITS if (path / f"{s}.txt").is_file())
    if not splits and not (path / UNINER_EVAL_FILE).is_file():
        raise DataFormatError(f"no {{train,dev,test}}.txt or {UNINER_EVAL_FILE} in the directory", path)
    labels = tuple(read_labels(path / "labels.txt"))
    return DatasetSpec(
        path.resolve().name,
        "custom",
        labels,
        splits=splits,
        has_uniner_eval=(path / UNINER_EVAL_FILE).is_file(),
        path=path,
    )


def _spec(name: str, domain: str, labels: str, names: dict[str, str] | None = None, **facts: object) -> None:
    DATASETS.register(
        name,
        DatasetSpec(name, domain, tuple(labels.split("|")), MappingProxyType(dict(names or {})), **facts),  # type: ignore[arg-type]
    )


from uniner.data import dataset_facts

dataset_facts.register_all(_spec)
