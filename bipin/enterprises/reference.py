"""The categories of enterprise requests bipin ships: the six special actions of
"服务企业360" the district runs, each with a time limit, and 其他. The supervisor changes
them on the categories page; loaded by migration 0002, and again by the demo after
`bipin demo --reset` (a flush empties every table, shipped data included)."""

from typing import Any

#: (name, time limit in calendar days from submission).
CATEGORIES = [
    ("政策兑现", 15),
    ("要素保障", 30),
    ("融资服务", 15),
    ("人才用工", 10),
    ("审批服务", 7),
    ("降本减负", 15),
    ("其他", 15),
]


def load_categories(category_model: Any) -> None:
    """Loads the categories when there are none; takes the model class so that the
    migration can pass its historical model."""
    if not category_model.objects.exists():
        category_model.objects.bulk_create(
            category_model(name=name, time_limit_days=days, order=order)
            for order, (name, days) in enumerate(CATEGORIES)
        )
