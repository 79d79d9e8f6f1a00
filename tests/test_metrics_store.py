"""The DynamoDB adapter maps AWS errors to the three conditions the handler acts on."""

from __future__ import annotations

import boto3
import pytest
from botocore.stub import Stubber

from handlers.metrics.events import Increment, MetricEvent
from handlers.metrics.plan import transaction_for
from handlers.metrics.store import DynamoMetricsStore, StoreError, Throttled, TransactionCanceled

TX = transaction_for(
    [MetricEvent("m1", "IDEMPOTENCY#k", "2026-11-23", (Increment("DAY#2026-11-23", "TOTAL", "orders"),))]
)


def stubbed(code: str, **extra) -> tuple[DynamoMetricsStore, Stubber]:
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_client_error("transact_write_items", service_error_code=code, service_message=code, **extra)
    return DynamoMetricsStore("t", client), stub


@pytest.mark.parametrize(
    "code",
    [
        "ProvisionedThroughputExceededException",
        "ThrottlingException",
        "TransactionConflictException",
        "RequestLimitExceeded",
    ],
)
def test_throttling_and_conflicts_become_throttled(code):
    store, stub = stubbed(code)
    with stub, pytest.raises(Throttled):
        store.write(TX, 1, 10)


def test_cancellation_carries_one_reason_per_action():
    store, stub = stubbed(
        "TransactionCanceledException",
        response_meta={},
        modeled_fields={"CancellationReasons": [{"Code": "ConditionalCheckFailed"}, {"Code": "None"}]},
    )
    with stub, pytest.raises(TransactionCanceled) as caught:
        store.write(TX, 1, 10)
    assert caught.value.codes == ("ConditionalCheckFailed", "None")


def test_other_errors_are_not_retryable_store_errors():
    store, stub = stubbed("ValidationException")
    with stub, pytest.raises(StoreError) as caught:
        store.write(TX, 1, 10)
    assert not isinstance(caught.value, Throttled) and "ValidationException" in str(caught.value)


def test_actions_are_one_conditional_put_per_event_then_summed_adds():
    client = boto3.client("dynamodb", region_name="us-east-1", aws_access_key_id="x", aws_secret_access_key="x")
    stub = Stubber(client)
    stub.add_response(
        "transact_write_items",
        {},
        {
            "TransactItems": [
                {
                    "Put": {
                        "TableName": "t",
                        "Item": {"pk": {"S": "IDEMPOTENCY#k"}, "sk": {"S": "KEY"}, "expires_at": {"N": "11"}},
                        "ConditionExpression": "attribute_not_exists(pk) OR #ttl < :now",
                        "ExpressionAttributeNames": {"#ttl": "expires_at"},
                        "ExpressionAttributeValues": {":now": {"N": "1"}},
                    }
                },
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"pk": {"S": "DAY#2026-11-23"}, "sk": {"S": "TOTAL"}},
                        "UpdateExpression": "ADD #a0 :v0",
                        "ExpressionAttributeNames": {"#a0": "orders"},
                        "ExpressionAttributeValues": {":v0": {"N": "1"}},
                    }
                },
            ]
        },
    )
    with stub:
        DynamoMetricsStore("t", client).write(TX, 1, 10)
    stub.assert_no_pending_responses()
