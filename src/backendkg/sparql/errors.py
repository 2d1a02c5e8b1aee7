"""Why a query was not answered: each error names the cause and carries its HTTP status.

- query text over the size limit -> :class:`QueryTooLarge` (413);
- an empty query -> :class:`EmptyQuery` (400);
- a ``SERVICE`` clause, or text the safety check cannot read -> :class:`QueryRefused` (400);
- update text -> :class:`UpdateForbidden` (403): the store is only ever queried;
- a syntax error -> :class:`QuerySyntaxError` (400) with the parser's message and its ``line:column``;
- a call of a function the engine does not know -> :class:`UnsupportedFunction` (400), naming it;
- past the deadline -> :class:`QueryTimeout` (503);
- the query process died before answering -> :class:`QueryWorkerLost` (503, ``Retry-After``);
- every query process busy and the queue in front of them full -> :class:`ServerBusy` (503, ``Retry-After``);
- past the memory a query may use -> :class:`QueryOverMemory` (507), naming the limit;
- an answer over the size limit in bytes, or a value too large for the format's writer ->
  :class:`AnswerTooLarge` (507), naming the limit;
- no acceptable format for the query form -> :class:`NotAcceptable` (406);
- the store failed while evaluating -> :class:`QueryFailed` (500), with the store's message.
"""

from __future__ import annotations

from ..errors import BadRequest, NotAcceptable, Problem, ServiceUnavailable

__all__ = [
    "AnswerTooLarge",
    "EmptyQuery",
    "NotAcceptable",
    "QueryFailed",
    "QueryOverMemory",
    "QueryRefused",
    "QuerySyntaxError",
    "QueryTimeout",
    "QueryTooLarge",
    "QueryWorkerLost",
    "ServerBusy",
    "UnsupportedFunction",
    "UpdateForbidden",
]


class QueryTooLarge(Problem):
    code = 413
    description = "The query is longer than this endpoint accepts."


class EmptyQuery(BadRequest):
    description = "The query is empty: send the text of a SPARQL query."


class QuerySyntaxError(BadRequest):
    pass


class UnsupportedFunction(BadRequest):
    pass


class QueryRefused(BadRequest):
    pass


class UpdateForbidden(Problem):
    code = 403
    description = "This endpoint is read-only: SPARQL Update requests are refused."


class QueryTimeout(ServiceUnavailable):
    pass


class QueryWorkerLost(ServiceUnavailable):
    description = "The query process stopped before it answered; a fresh one has taken its place. Try again."

    def __init__(self, description: str | None = None):
        super().__init__(description, headers={"Retry-After": "1"})


class QueryFailed(Problem):
    """Evaluation stopped with an error of the store's own, not one of the query's syntax."""

    code = 500


class ServerBusy(ServiceUnavailable):
    description = (
        "The server is busy: every query process is evaluating a query and the queue in front of them is full. "
        "Try again in a moment."
    )

    def __init__(self, description: str | None = None):
        super().__init__(description, headers={"Retry-After": "1"})


class QueryOverMemory(Problem):
    code = 507
    description = "The query needed more memory than a query may use here and was stopped."


class AnswerTooLarge(Problem):
    code = 507
    description = "The answer is larger than this endpoint sends."
