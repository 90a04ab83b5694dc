//! Emergency alerts: CAP 1.2 XML (`application/cap+xml`, `application/xml`, `text/xml`) or a simple JSON form
//! (`application/json`). Validation is [`twincast_core::Alert::from_cap_xml`]'s: no DTD, no entities beyond the
//! predefined ones, the CAP 1.2 namespace, required elements present. Every 4xx names what is wrong with a stable
//! code. Admins and operators send and cancel; everyone logged in reads. Every change announces
//! [`ServerEvent::AlertsChanged`].

use crate::auth::Principal;
use crate::error::{ApiError, ApiResult, Problem};
use crate::events::ServerEvent;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::Json;
use serde::Serialize;
use twincast_core::{Alert, AlertError};
use twincast_store::{AlertRecord, Role};

fn alert_error(e: AlertError) -> ApiError {
    let code = match &e {
        AlertError::Xml(_) => "invalid-xml",
        AlertError::DtdNotAllowed => "dtd-not-allowed",
        AlertError::UndefinedEntity(_) => "undefined-entity",
        AlertError::WrongRoot(_) => "not-cap-1.2",
        AlertError::Missing(_) => "cap-missing-element",
        AlertError::Bad { .. } => "cap-bad-value",
        AlertError::TooLarge => "cap-too-large",
    };
    ApiError::bad_request(code, format!("the alert was refused: {e}"))
}

fn json_alert(body: &[u8]) -> ApiResult<Alert> {
    let mut v: serde_json::Value = serde_json::from_slice(body).map_err(|e| {
        ApiError::bad_request("invalid-json", format!("the body is not valid JSON: {e}"))
    })?;
    let Some(obj) = v.as_object_mut() else {
        return Err(ApiError::bad_request(
            "invalid-body",
            "the alert must be a JSON object",
        ));
    };
    const KNOWN: &[&str] = &[
        "id",
        "sender",
        "sent",
        "msg_type",
        "references",
        "headline",
        "description",
        "instruction",
        "severity",
        "effective",
        "expires",
        "areas",
        "locations",
        "location_kinds",
        "tags",
    ];
    if let Some(k) = obj.keys().find(|k| !KNOWN.contains(&k.as_str())) {
        return Err(ApiError::bad_request(
            "invalid-body",
            format!("unknown field `{k}`; expected one of {}", KNOWN.join(", ")),
        ));
    }
    obj.entry("id")
        .or_insert_with(|| twincast_store::new_id().into());
    obj.entry("sent")
        .or_insert_with(|| jiff::Timestamp::now().to_string().into());
    let form: twincast_core::AlertForm = serde_json::from_value(v).map_err(|e| {
        ApiError::bad_request("invalid-body", format!("the JSON does not fit: {e}"))
    })?;
    Alert::from_form(form).map_err(alert_error)
}

/// Issues an alert: a CAP 1.2 document (`Alert`, `Update` or `Cancel`, the latter two referencing earlier
/// identifiers) or the JSON form `{headline, severity?, expires?, areas?, locations?, location_kinds?, tags?,
/// msg_type?, references?, ...}` (`id` and `sent` default to a new id and now). Answers 201 with the stored alert.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts",
    request_body(description = "CAP 1.2 XML or the JSON form", content(
        (String = "application/cap+xml"), (String = "application/xml"), (Object = "application/json"))),
    responses((status = 201, body = AlertRecord), (status = 400, body = Problem), (status = 403, body = Problem),
        (status = 409, description = "An alert with this sender and identifier exists", body = Problem),
        (status = 413, body = Problem), (status = 415, body = Problem)))]
pub async fn create(
    State(state): State<AppState>,
    who: Principal,
    headers: HeaderMap,
    body: Bytes,
) -> ApiResult<(StatusCode, Json<AlertRecord>)> {
    who.require(&[Role::Admin, Role::Operator])?;
    if body.len() > twincast_core::alert::MAX_CAP_BYTES {
        return Err(ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "alert-too-large",
            format!(
                "an alert may be at most {} bytes",
                twincast_core::alert::MAX_CAP_BYTES
            ),
        ));
    }
    let ct = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let (alert, format, source) = match ct.as_str() {
        "application/cap+xml" | "application/xml" | "text/xml" => {
            let text = std::str::from_utf8(&body)
                .map_err(|_| ApiError::bad_request("invalid-xml", "the document is not UTF-8"))?;
            let alert = Alert::from_cap_xml(text).map_err(alert_error)?;
            (alert, "cap", text.to_string())
        }
        "application/json" => {
            let alert = json_alert(&body)?;
            (alert, "json", String::from_utf8_lossy(&body).into_owned())
        }
        _ => {
            return Err(ApiError::new(
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "unsupported-content-type",
                "send CAP 1.2 as application/cap+xml (or application/xml), or the JSON form as application/json",
            ))
        }
    };
    let record = state
        .store
        .create_alert(&alert, format, &source, Some(&who.user.id))
        .await?;
    let _ = state.events.send(ServerEvent::AlertsChanged);
    Ok((StatusCode::CREATED, Json(record)))
}

/// Alerts.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct AlertList {
    /// Newest first.
    pub items: Vec<AlertRecord>,
}

/// Every alert, newest first.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", responses((status = 200, body = AlertList)))]
pub async fn list(State(state): State<AppState>, _who: Principal) -> ApiResult<Json<AlertList>> {
    Ok(Json(AlertList {
        items: state.store.list_alerts().await?,
    }))
}

/// One alert.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts",
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = AlertRecord), (status = 404, body = Problem)))]
pub async fn get(
    State(state): State<AppState>,
    _who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertRecord>> {
    Ok(Json(state.store.alert(&id).await?))
}

/// Takes an alert off the screens now (admin, operator). Idempotent: the first cancellation time is kept.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/cancel", tag = "alerts",
    params(("id" = String, Path, description = "Alert id")),
    responses((status = 200, body = AlertRecord), (status = 403, body = Problem), (status = 404, body = Problem)))]
pub async fn cancel(
    State(state): State<AppState>,
    who: Principal,
    Path(id): Path<String>,
) -> ApiResult<Json<AlertRecord>> {
    who.require(&[Role::Admin, Role::Operator])?;
    let record = state
        .store
        .cancel_alert(&id, twincast_store::now_ms())
        .await?;
    let _ = state.events.send(ServerEvent::AlertsChanged);
    Ok(Json(record))
}
