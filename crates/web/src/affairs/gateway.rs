//! The payment-gateway interface of online dues: order → notification → reconcile.
//!
//! The store keeps the order ([`vanguard_store::affairs::Dues::create_order`]) and records
//! the payment when a gateway says it was paid ([`Dues::settle_order`], idempotent by the
//! order: a repeated notification records once). A gateway is an adapter behind
//! [`PaymentGateway`]: where the payer goes to pay, how its notification is read and
//! verified, and what it answers when asked about an order no notification came for
//! (reconciliation). [`SimulatedGateway`] is the local one for tests and the demo: its
//! checkout is a page of this server, and its notification is the payer's confirmation
//! there.
//!
//! [`Dues::settle_order`]: vanguard_store::affairs::Dues::settle_order

use std::collections::HashMap;
use vanguard_store::affairs::{Dues, OrderView};
use vanguard_store::{StoreError, StoreResult};

/// What a gateway says about an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    pub order_id: i64,
    pub paid: bool,
    /// The gateway's own reference (transaction number), kept on the order.
    pub reference: String,
}

/// A payment gateway adapter.
pub trait PaymentGateway: Send + Sync {
    /// The stable name kept on each order.
    fn name(&self) -> &'static str;
    /// Where the payer goes to pay the order.
    fn checkout_url(&self, order: &OrderView) -> String;
    /// Reads and verifies a notification (a real adapter checks the gateway's signature
    /// here); `None` for one that is not genuine.
    fn notification(&self, fields: &HashMap<String, String>) -> Option<Notice>;
    /// Asks the gateway about an order that got no notification; `None` while undecided.
    fn query(&self, order: &OrderView, now_ms: i64) -> Option<Notice>;
}

/// The local gateway: the checkout is `/m/dues/orders/{id}`, where the payer confirms
/// (paid) or cancels (failed); an order left there for 30 minutes is failed by
/// reconciliation.
pub struct SimulatedGateway;

/// How long a simulated checkout stays open before reconciliation fails it: 30 minutes.
pub const SIMULATED_TIMEOUT_MS: i64 = 30 * 60 * 1000;

impl PaymentGateway for SimulatedGateway {
    fn name(&self) -> &'static str {
        "simulated"
    }
    fn checkout_url(&self, order: &OrderView) -> String {
        format!("/m/dues/orders/{}", order.id)
    }
    fn notification(&self, fields: &HashMap<String, String>) -> Option<Notice> {
        let order_id = fields.get("order_id")?.parse().ok()?;
        let paid = match fields.get("action").map(String::as_str) {
            Some("pay") => true,
            Some("cancel") => false,
            _ => return None,
        };
        Some(Notice { order_id, paid, reference: format!("SIM-{order_id}") })
    }
    fn query(&self, order: &OrderView, now_ms: i64) -> Option<Notice> {
        (now_ms - order.created_at >= SIMULATED_TIMEOUT_MS).then(|| Notice {
            order_id: order.id,
            paid: false,
            reference: "超时未支付".into(),
        })
    }
}

/// The gateway an order names.
pub fn gateway_for(name: &str) -> Option<&'static dyn PaymentGateway> {
    match name {
        "simulated" => Some(&SimulatedGateway),
        _ => None,
    }
}

/// Applies a verified notice to its order (the order must be within the caller's reach).
pub async fn apply(dues: &Dues<'_>, notice: &Notice) -> StoreResult<OrderView> {
    dues.settle_order(notice.order_id, notice.paid, &notice.reference).await
}

/// Reconciliation: asks each order's gateway about the orders still open that were
/// created before `before_ms`, and settles those it has decided. Answers how many.
pub async fn reconcile(dues: &Dues<'_>, before_ms: i64, now_ms: i64) -> StoreResult<usize> {
    let mut settled = 0;
    for order in dues.open_orders(before_ms).await? {
        let gateway = gateway_for(&order.gateway)
            .ok_or_else(|| StoreError::Corrupt { column: "dues_orders.gateway".into(), value: order.gateway.clone() })?;
        if let Some(notice) = gateway.query(&order, now_ms) {
            apply(dues, &notice).await?;
            settled += 1;
        }
    }
    Ok(settled)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(created_at: i64) -> OrderView {
        OrderView {
            id: 7,
            member_id: 1,
            months: "2026-12".into(),
            voluntary_fen: 0,
            amount_fen: 1500,
            gateway: "simulated".into(),
            gateway_ref: None,
            state: "created".into(),
            created_at,
            settled_at: None,
        }
    }

    #[test]
    fn the_simulated_notification_names_the_order_and_the_outcome() {
        let f = |a: &str| HashMap::from([("order_id".to_string(), "7".to_string()), ("action".to_string(), a.to_string())]);
        assert_eq!(SimulatedGateway.notification(&f("pay")).map(|n| n.paid), Some(true));
        assert_eq!(SimulatedGateway.notification(&f("cancel")).map(|n| n.paid), Some(false));
        assert_eq!(SimulatedGateway.notification(&f("forge")), None);
    }

    #[test]
    fn an_abandoned_simulated_checkout_fails_at_reconciliation() {
        assert_eq!(SimulatedGateway.query(&order(0), SIMULATED_TIMEOUT_MS - 1), None);
        assert_eq!(SimulatedGateway.query(&order(0), SIMULATED_TIMEOUT_MS).map(|n| n.paid), Some(false));
    }
}
