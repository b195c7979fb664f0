"""The small-model path of `agentfn run` on a user's own toolset: it gets a plain reply for chit-chat."""

from __future__ import annotations

from pathlib import Path

from agentfn._small_path import PLAIN_REPLY, build_router, small_model_router, with_plain_reply
from agentfn.toolset import Toolset

SHOP = '''
from agentfn import tool


@tool
def menu() -> list[str]:
    """List the pizza toppings on the menu."""
    return ["margherita", "pepperoni"]


@tool(side_effects="write")
def order_pizza(topping: str, address: str) -> str:
    """Order a pizza delivered to an address."""
    return f"{topping} to {address}"
'''


def _shop(tmp_path: Path) -> Toolset:
    path = tmp_path / "shop_tools.py"
    path.write_text(SHOP)
    return Toolset.from_path(path)


def test_a_users_toolset_gets_the_builtin_plain_reply_once(tmp_path: Path) -> None:
    own = _shop(tmp_path)
    assert PLAIN_REPLY not in own
    with_reply = with_plain_reply(own)
    assert with_reply.names() == ["menu", "order_pizza", PLAIN_REPLY]
    assert with_plain_reply(with_reply) is with_reply  # already there: kept as is
    assert with_plain_reply(Toolset.builtin()).names() == Toolset.builtin().names()


def test_chit_chat_on_a_users_toolset_is_a_plain_reply_not_the_nearest_tool(tmp_path: Path) -> None:
    toolset = with_plain_reply(_shop(tmp_path))
    router = small_model_router(build_router("auto", toolset, small_model=True), toolset)
    assert router.route("hi there, how are you?").selected == [PLAIN_REPLY]
    assert router.route("what toppings do you have?").selected == ["menu"]
    assert router.route("order a pepperoni pizza to 12 Baker Street").selected == ["order_pizza"]
