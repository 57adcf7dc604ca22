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
    /// Asks the gateway what it knows of an order (reconciliation): of one that got no
    /// notification, and of one recorded as paid here.
    fn query(&self, order: &OrderView, now_ms: i64) -> GatewayAnswer;
}

/// A gateway's word on an order, asked at reconciliation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GatewayAnswer {
    /// Paid at the gateway, under its reference.
    Paid { reference: String },
    /// Not paid, and it will not be (cancelled, expired).
    Failed { reason: String },
    /// Still open at the gateway.
    Pending,
    /// The gateway has no payment for this order.
    Unknown,
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
    /// The simulated gateway's payments are the confirmations on its checkout page, each
    /// under the reference `SIM-<order>`: an order recorded paid under another reference
    /// is unknown to it; an open order is pending until it times out.
    fn query(&self, order: &OrderView, now_ms: i64) -> GatewayAnswer {
        let reference = format!("SIM-{}", order.id);
        match order.state.as_str() {
            "created" if now_ms - order.created_at >= SIMULATED_TIMEOUT_MS => {
                GatewayAnswer::Failed { reason: "超时未支付".into() }
            }
            "created" => GatewayAnswer::Pending,
            _ if order.gateway_ref.as_deref() == Some(reference.as_str()) => GatewayAnswer::Paid { reference },
            _ => GatewayAnswer::Unknown,
        }
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

/// How far back reconciliation confirms orders recorded as paid: 2 days (a daily run
/// sees each settlement twice).
pub const CONFIRM_WINDOW_MS: i64 = 2 * 86_400_000;

/// What one reconciliation did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct OrdersReconciled {
    /// Paid at the gateway without a notification: recorded now (once).
    pub recorded: usize,
    /// Failed or expired at the gateway: marked failed.
    pub failed: usize,
    /// Recorded paid here but unknown to the gateway, or paid there but not recordable
    /// here: flagged for the secretary.
    pub flagged: usize,
    /// Still open at the gateway.
    pub pending: usize,
}

/// Reconciliation with the gateways (the daily check's, and on demand): asks each open
/// order's gateway and settles what it decided — a payment the gateway took without its
/// notification reaching us is recorded, once (the key is the order's) —; asks about the
/// orders recorded as paid in the last [`CONFIRM_WINDOW_MS`] and flags those the gateway
/// does not know. `gateways` names the adapter of an order's gateway.
pub async fn reconcile<'g>(
    dues: &Dues<'_>,
    gateways: &(dyn Fn(&str) -> Option<&'g dyn PaymentGateway> + Sync),
    now_ms: i64,
) -> StoreResult<OrdersReconciled> {
    let mut out = OrdersReconciled::default();
    let adapter = |order: &OrderView| {
        gateways(&order.gateway)
            .ok_or_else(|| StoreError::Corrupt { column: "dues_orders.gateway".into(), value: order.gateway.clone() })
    };
    for order in dues.open_orders(now_ms + 1).await? {
        match adapter(&order)?.query(&order, now_ms) {
            GatewayAnswer::Paid { reference } => match dues.settle_order(order.id, true, &reference).await {
                Ok(_) => out.recorded += 1,
                // Paid there, refused here (the month was paid otherwise meanwhile): the
                // payer is owed a refund; the secretary sees the flag.
                Err(StoreError::Invalid(inv)) => {
                    let why = inv.errors.first().map(|e| e.message.clone()).unwrap_or_default();
                    dues.flag_order(order.id, &format!("支付渠道已收款（{reference}），但无法入账：{why}")).await?;
                    out.flagged += 1;
                }
                Err(StoreError::Conflict { message, .. }) => {
                    dues.flag_order(order.id, &format!("支付渠道已收款（{reference}），但无法入账：{message}")).await?;
                    out.flagged += 1;
                }
                Err(e) => return Err(e),
            },
            GatewayAnswer::Failed { reason } => {
                dues.settle_order(order.id, false, &reason).await?;
                out.failed += 1;
            }
            GatewayAnswer::Pending | GatewayAnswer::Unknown => out.pending += 1,
        }
    }
    for order in dues.paid_orders(now_ms - CONFIRM_WINDOW_MS).await? {
        match adapter(&order)?.query(&order, now_ms) {
            GatewayAnswer::Paid { .. } => {}
            GatewayAnswer::Failed { reason } => {
                dues.flag_order(order.id, &format!("已记为交纳，但支付渠道称未支付：{reason}")).await?;
                out.flagged += 1;
            }
            GatewayAnswer::Pending | GatewayAnswer::Unknown => {
                dues.flag_order(order.id, "已记为交纳，但支付渠道查无此笔支付").await?;
                out.flagged += 1;
            }
        }
    }
    Ok(out)
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
        assert_eq!(SimulatedGateway.query(&order(0), SIMULATED_TIMEOUT_MS - 1), GatewayAnswer::Pending);
        assert!(matches!(SimulatedGateway.query(&order(0), SIMULATED_TIMEOUT_MS), GatewayAnswer::Failed { .. }));
    }

    #[test]
    fn the_simulated_gateway_knows_only_the_payments_confirmed_on_its_checkout() {
        let paid = |r: &str| OrderView { state: "paid".into(), gateway_ref: Some(r.into()), ..order(0) };
        assert_eq!(SimulatedGateway.query(&paid("SIM-7"), 1), GatewayAnswer::Paid { reference: "SIM-7".into() });
        assert_eq!(SimulatedGateway.query(&paid("SIM-8"), 1), GatewayAnswer::Unknown);
    }
}
