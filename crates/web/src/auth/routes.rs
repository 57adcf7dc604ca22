//! The routes of auth: Login, logout, the current account and the password change (API and pages).

use crate::routes::{RouteSpec, r};
use axum::routing::{get, post};

/// This feature's part of the route table.
pub fn routes() -> Vec<RouteSpec> {
    vec![
        r!(POST "/api/v1/auth/login", Public, "auth", "以用户名或手机号码和密码登录", Some(crate::routes::schema::<super::api::LoginRequest>), post(super::api::login)),
        r!(POST "/api/v1/auth/logout", SelfService, "auth", "退出登录", None, post(super::api::logout)),
        r!(GET "/api/v1/auth/me", SelfService, "auth", "当前账户、角色与管辖范围", None, get(super::api::me)),
        r!(POST "/api/v1/auth/password", SelfService, "auth", "修改本人密码", Some(crate::routes::schema::<super::api::PasswordChange>), post(super::api::change_password)),
        r!(POST "/api/v1/auth/totp", SelfService, "auth", "登录第二步：输入动态口令或恢复码", Some(crate::routes::schema::<super::api::TotpCode>), post(super::api::totp_verify)),
        r!(POST "/api/v1/auth/totp/enrol", SelfService, "auth", "开始绑定动态口令（TOTP）", None, post(super::api::totp_enrol)),
        r!(POST "/api/v1/auth/totp/confirm", SelfService, "auth", "确认绑定动态口令，领取恢复码", Some(crate::routes::schema::<super::api::TotpCode>), post(super::api::totp_confirm)),
        r!(GET "/totp", SelfService, "page", "动态口令：登录第二步或绑定", None, get(super::pages::totp_page)),
        r!(POST "/totp", SelfService, "page", "动态口令（表单）", None, post(super::pages::totp_submit)),
        r!(GET "/login", Public, "page", "登录页", None, get(super::pages::login_page)),
        r!(POST "/login", Public, "page", "登录（表单）", None, post(super::pages::login_submit)),
        r!(POST "/logout", SelfService, "page", "退出登录", None, post(super::pages::logout)),
        r!(GET "/password", SelfService, "page", "修改密码页", None, get(super::pages::password_page)),
        r!(POST "/password", SelfService, "page", "修改密码（表单）", None, post(super::pages::password_submit)),
    ]
}
