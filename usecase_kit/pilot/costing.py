"""What an attempt may cost before it leaves (its reservation: the input counted generously, the
output at ``max_tokens``) and what an answer did cost, checked: a price that cannot be computed,
below zero or above the reservation is a provider fault charged its reservation (issue 22).
"""

from __future__ import annotations

import math

from usecase_kit.errors import UsecaseKitError
from usecase_kit.pilot.prepare import BUDGET_DEFAULT_MAX_TOKENS, Arm, Task
from usecase_kit.providers.base import CallFailed, Completion, Usage, prompt_token_bound


def _answer_cost(task: Task, completion: Completion, reserve: float) -> float:
    """What an answer costs, checked: the price of usage a provider reports cannot be below
    zero, fail to compute, or pass the reservation (the most the request could cost: its
    input counted generously, its output at ``max_tokens``). Any of these is a provider fault
    (``CallFailed`` kind ``usage``), charged its reservation, never less."""
    try:
        cost = _cost(task.arm, completion.usage)
    except (UsecaseKitError, ArithmeticError, TypeError, ValueError) as exc:
        raise _usage_fault(task, f"its usage cannot be priced ({exc})") from None
    if cost is None:
        return 0.0
    if not math.isfinite(cost) or cost < 0:
        raise _usage_fault(task, f"its usage prices at ${cost}")
    if task.arm.price is not None and not task.arm.provider.is_baseline and cost > reserve + 1e-12:
        raise _usage_fault(
            task,
            f"its usage (in {completion.usage.input_tokens}, out "
            f"{completion.usage.output_tokens} tokens) prices at ${cost:.6f}, above the most "
            f"this request could cost (${reserve:.6f})",
        )
    return cost


def _usage_fault(task: Task, why: str) -> CallFailed:
    return CallFailed(
        f"{task.arm.provider.spec}: provider fault: {why}. The answer is not used, and the "
        "call is charged its full reservation.",
        kind="usage",
    )


def _reservation(task: Task) -> float:
    """Worst-case cost of one attempt: generous input count plus the full output cap."""
    if task.arm.price is None or task.arm.provider.is_baseline:
        return 0.0
    from usecase_kit.tokens import count_messages_tokens, counted_exactly

    chat = [{"role": m.role, "content": m.content} for m in task.messages]
    counted = count_messages_tokens(chat, task.arm.provider.model).n
    chars = sum(len(m.content) for m in task.messages)
    # Never below 1 token per 3 characters plus chat overhead: covers tokenizer mismatch.
    input_tokens = max(counted, math.ceil(chars / 3) + 4 * len(task.messages) + 3)
    if not counted_exactly(task.arm.provider.model):  # any tokenizer: a token is at least a byte
        input_tokens = max(input_tokens, prompt_token_bound(task.messages))
    output_tokens = task.settings.max_tokens or BUDGET_DEFAULT_MAX_TOKENS
    cost = task.arm.price.cost(Usage(input_tokens=input_tokens, output_tokens=output_tokens))
    return float(cost)


def _cost(arm: Arm, usage: Usage) -> float | None:
    if arm.provider.is_baseline:
        return 0.0
    return None if arm.price is None else float(arm.price.cost(usage))
