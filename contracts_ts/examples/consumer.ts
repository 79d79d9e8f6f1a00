// A consumer typed by the generated declarations (type-checked by `npm run check`).
import type { OrderCreatedEnvelope } from "../orders/OrderCreated";
import type { WaitingCompletionEnvelope } from "../coffeeshop/WaitingCompletion";

export function orderTotal(event: OrderCreatedEnvelope): number | undefined {
  return event.detail.data.total;
}

export function drink(event: WaitingCompletionEnvelope): string {
  const order = event.detail.drinkOrder;
  return typeof order === "string" ? (JSON.parse(order) as { drink: string }).drink : order.drink;
}
