//! The routes of notify: 通知: one's notifications and mutes, an org's group robots.

use crate::routes::{RouteSpec, r, schema};
use axum::routing::{get, post, put};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(GET "/api/v1/notifications", SelfService, "notify", "我的通知（?unread=true 只看未读），新的在前", None, get(super::api::list)),
        r!(GET "/api/v1/notifications/unread", SelfService, "notify", "我的未读通知数（铃铛上的数字，最多计到100）", None, get(super::api::unread)),
        r!(POST "/api/v1/notifications/{id}/read", SelfService, "notify", "将一条通知标为已读，答复它指向的页面", None, post(super::api::mark_read)),
        r!(POST "/api/v1/notifications/read-all", SelfService, "notify", "将我的全部通知标为已读", None, post(super::api::mark_all_read)),
        r!(GET "/api/v1/notifications/settings", SelfService, "notify", "通知类型及我是否关闭了它（必要通知不能关闭）", None, get(super::api::settings)),
        r!(PUT "/api/v1/notifications/settings", SelfService, "notify", "设置我不接收的通知类型", Some(schema::<super::api::Mutes>), put(super::api::set_settings)),
        r!(GET "/api/v1/orgs/{id}/webhooks", OrgWrite, "notify", "该党组织的群机器人（企业微信、钉钉；地址只显示到问号前，不显示密钥）", None, get(super::api::webhooks)),
        r!(POST "/api/v1/orgs/{id}/webhooks", OrgWrite, "notify", "为该党组织添加群机器人（http/https 地址；钉钉加签密钥加密保存）", Some(schema::<vanguard_store::notify::WebhookInput>), post(super::api::create_webhook)),
        r!(PUT "/api/v1/webhooks/{id}", OrgWrite, "notify", "修改群机器人（名称、地址、密钥、格式、启用或停用）", Some(schema::<vanguard_store::notify::WebhookInput>), put(super::api::update_webhook)),
        r!(POST "/api/v1/webhooks/{id}/test", OrgWrite, "notify", "向群机器人发送测试消息（排队发送）", None, post(super::api::test_webhook)),
        r!(GET "/api/v1/webhooks/{id}/deliveries", OrgWrite, "notify", "群机器人的发送记录（每次尝试一条）", None, get(super::api::deliveries)),
        r!(GET "/notifications", SelfService, "page", "我的通知", None, get(super::pages::inbox)),
        r!(POST "/notifications/{id}", SelfService, "page", "打开一条通知（标为已读并转到相关页面）", None, post(super::pages::open)),
        r!(POST "/notifications/read-all", SelfService, "page", "全部标为已读（表单）", None, post(super::pages::read_all)),
        r!(GET "/m/notifications", SelfService, "page", "党员端：我的消息和通知设置", None, get(super::pages::portal)),
        r!(POST "/m/notifications/settings", SelfService, "page", "党员端：保存通知设置（表单）", None, post(super::pages::portal_settings)),
        r!(GET "/orgs/{id}/webhooks", OrgWrite, "page", "群通知：该党组织的群机器人和发送记录", None, get(super::pages::webhooks)),
        r!(POST "/orgs/{id}/webhooks", OrgWrite, "page", "添加群机器人（表单）", None, post(super::pages::add_webhook)),
        r!(POST "/webhooks/{id}", OrgWrite, "page", "启用、停用群机器人或发送测试消息（表单）", None, post(super::pages::webhook_action)),
    ]
}
