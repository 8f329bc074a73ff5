//! Outbox workers: mail over SMTP (lettre) and the ticket to the service desk as an HTTP POST
//! of JSON, both at least once with the idempotency key, retried with back-off, dead-lettered
//! after the configured number of attempts. Credentials never leave in a mail or a ticket.

use crate::config::{Config, MailSecurity};
use crate::state::AppState;
use beh_core::directory::PersonKey;
use beh_core::order::{Order, OrderKind};
use beh_core::outbox::{MessageKind, OutboxItem, RetryPolicy};
use beh_core::ports::{Directory, OrderStore};
use chrono::Utc;
use lettre::message::{header::ContentType, Mailbox};
use lettre::transport::smtp::authentication::Credentials as SmtpCredentials;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// A rendered mail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mail {
    /// Recipient address.
    pub to: String,
    /// Subject.
    pub subject: String,
    /// Plain-text body.
    pub body: String,
}

fn line_names(order: &Order) -> String {
    order.approved_lines().map(|l| l.name.clone()).collect::<Vec<_>>().join(", ")
}

/// The mail a message asks for (PRODUCT.md, "E-mail"); `None` for tickets.
pub fn render_mail(kind: MessageKind, order: &Order, to: &str, base_url: &str) -> Option<Mail> {
    let n = order.number;
    let base = base_url.trim_end_matches('/');
    let footer = "Detta meddelande går inte att besvara med vändande e-post.\n\n\
                  Önskar du komma i kontakt med VGR IT angående ärendet, kontakta Service Center.";
    match kind {
        MessageKind::AttestationRequest => Some(Mail {
            to: to.to_owned(),
            subject: format!("Behörighetsbeställning {n}"),
            body: format!(
                "Hej,\n\ndu har en behörighetsbeställning att attestera.\n\n\
                 Klicka på följande länk för att attestera beställningen:\n{base}/attest/{n}\n\n{footer}\n"
            ),
        }),
        MessageKind::Completed => {
            let info = match order.kind {
                OrderKind::New => "Nyupplägg av behörigheter",
                OrderKind::Change => "Förändring av behörigheter",
                OrderKind::Termination => "Avslut av behörigheter",
            };
            let eu = &order.end_user;
            Some(Mail {
                to: to.to_owned(),
                subject: format!("Din behörighetsansökan {n} är nu behandlad"),
                body: format!(
                    "Hej,\n\nNedanstående behörighet är nu behandlad.\n\n\
                     Beställd av: {orderer_s}, {orderer_g}\n\
                     Beställd för: {eu_s}, {eu_g}\n\n\
                     Information: {info} för {eu_s}, {eu_g}\n\n\
                     Arbetsplats: {workplace}\n\
                     Område: {area}\n\
                     Verksamhet: {operation}\n\
                     Titel: {title}\n\
                     HSA-id: {hsa}\n\n\
                     Sökta behörigheter: {perms}\n\n\
                     Du hittar aktuell information/inloggningsuppgifter\npå {base}/orders/{n}\n\n\
                     Endast beställaren av aktuell behörighet kan se inloggningsuppgifter.\n\
                     Det går ej att vidarebefordra länken till annan användare.\n\n{footer}\n\n\
                     Med vänlig hälsning\nVGR IT\n",
                    orderer_s = order.orderer.surname,
                    orderer_g = order.orderer.given_name,
                    eu_s = eu.surname,
                    eu_g = eu.given_name,
                    workplace = order.workplace,
                    area = order.area,
                    operation = order.operation,
                    title = eu.title.as_deref().unwrap_or(""),
                    hsa = eu.hsa_id,
                    perms = line_names(order),
                ),
            })
        }
        MessageKind::Rejected => Some(Mail {
            to: to.to_owned(),
            subject: format!("Din behörighetsbeställning {n} har avslagits"),
            body: format!(
                "Hej,\n\nDin behörighetsbeställning {n} för {eu} har avslagits av {att}.\n\n\
                 Kommentar vid avslag: {comment}\n\nSe beställningen på {base}/orders/{n}\n\n{footer}\n",
                eu = order.end_user.display(),
                att = order.attestant.display(),
                comment = order.rejection_comment.as_deref().unwrap_or("(ingen kommentar)"),
            ),
        }),
        MessageKind::Ticket => None,
    }
}

/// The ticket JSON the service desk receives (no credentials exist yet; none are ever sent).
pub fn render_ticket(order: &Order) -> serde_json::Value {
    json!({
        "order_number": order.number,
        "kind": order.kind,
        "administration": order.administration,
        "end_user": order.end_user,
        "orderer": order.orderer,
        "attestant": order.attestant,
        "workplace": order.workplace,
        "area": order.area,
        "operation": order.operation,
        "project": order.project,
        "start_date": order.start_date,
        "ordered_at": order.ordered_at,
        "attested_at": order.attested_at,
        "attestation": order.attestation,
        "permissions": order.approved_lines().collect::<Vec<_>>(),
    })
}

/// Delivers rendered messages.
#[derive(Clone)]
pub struct Delivery {
    smtp: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    http: reqwest::Client,
    ticket_endpoint: Option<String>,
    ticket_token: Option<String>,
}

impl Delivery {
    /// From configuration; without an SMTP host mail is logged, without an endpoint tickets
    /// are logged (demo mode).
    pub fn new(config: &Config) -> Result<Delivery, String> {
        let m = &config.mail;
        let smtp = match &m.smtp_host {
            None => None,
            Some(host) => {
                let builder = match m.security {
                    MailSecurity::Starttls => {
                        AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(host)
                            .map_err(|e| format!("mail: {e}"))?
                    }
                    MailSecurity::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(host)
                        .map_err(|e| format!("mail: {e}"))?,
                    MailSecurity::None => {
                        AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(host)
                    }
                };
                let mut builder = builder.port(m.smtp_port).timeout(Some(Duration::from_secs(20)));
                if let (Some(u), Some(p)) = (&m.username, &m.password) {
                    builder = builder.credentials(SmtpCredentials::new(u.clone(), p.clone()));
                }
                Some(builder.build())
            }
        };
        let from: Mailbox = m.from.parse().map_err(|e| format!("mail.from: {e}"))?;
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(20))
            .build()
            .map_err(|e| format!("ticket client: {e}"))?;
        Ok(Delivery {
            smtp,
            from,
            http,
            ticket_endpoint: config.ticket.endpoint.clone(),
            ticket_token: config.ticket.bearer_token.clone(),
        })
    }

    async fn send_mail(&self, mail: &Mail, key: &str) -> Result<(), String> {
        let Some(smtp) = &self.smtp else {
            tracing::info!(to = %mail.to, subject = %mail.subject, body = %mail.body, "mail (not sent: no SMTP configured)");
            return Ok(());
        };
        let to: Mailbox = mail.to.parse().map_err(|e| format!("bad recipient: {e}"))?;
        let domain = self.from.email.domain().to_owned();
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(mail.subject.clone())
            .message_id(Some(format!("<{}@{domain}>", key.replace(':', "."))))
            .header(ContentType::TEXT_PLAIN)
            .body(mail.body.clone())
            .map_err(|e| format!("mail: {e}"))?;
        smtp.send(message).await.map(|_| ()).map_err(|e| format!("smtp: {e}"))
    }

    async fn send_ticket(&self, ticket: &serde_json::Value, order: &Order) -> Result<(), String> {
        let Some(endpoint) = &self.ticket_endpoint else {
            tracing::info!(order = %order.number, "ticket (not sent: no endpoint configured)");
            return Ok(());
        };
        let mut req = self
            .http
            .post(endpoint)
            .header("Idempotency-Key", order.number.to_string())
            .json(ticket);
        if let Some(t) = &self.ticket_token {
            req = req.bearer_auth(t);
        }
        let resp = req.send().await.map_err(|e| format!("ticket: {e}"))?;
        if resp.status().is_success() {
            Ok(())
        } else {
            Err(format!("ticket: HTTP {}", resp.status()))
        }
    }
}

async fn deliver_one(
    item: &OutboxItem,
    store: &dyn OrderStore,
    directory: &dyn Directory,
    delivery: &Delivery,
    base_url: &str,
) -> Result<(), String> {
    let m = &item.message;
    let order = store
        .get(m.order_number)
        .await
        .map_err(|e| format!("store: {e}"))?
        .ok_or_else(|| "order not found".to_owned())?;
    if m.kind == MessageKind::Ticket {
        return delivery.send_ticket(&render_ticket(&order), &order).await;
    }
    let recipient = m.recipient.clone().ok_or_else(|| "no recipient".to_owned())?;
    let person = directory
        .person(&PersonKey::HsaId(recipient.clone()))
        .await
        .map_err(|e| format!("directory: {e}"))?
        .ok_or_else(|| format!("recipient {recipient} not in the directory"))?;
    let to = person.mail.ok_or_else(|| format!("recipient {recipient} has no mail address"))?;
    match render_mail(m.kind, &order, &to, base_url) {
        Some(mail) => delivery.send_mail(&mail, &m.idempotency_key).await,
        None => Ok(()),
    }
}

/// Runs the outbox worker until `shutdown` turns true; finishes the batch in hand first.
pub async fn run(state: AppState, delivery: Delivery, mut shutdown: watch::Receiver<bool>) {
    let policy = RetryPolicy {
        max_attempts: state.config.outbox.max_attempts,
        base_delay_secs: state.config.outbox.base_delay_secs,
        max_delay_secs: state.config.outbox.max_delay_secs,
    };
    let worker = format!("beh-{}", crate::util::random_id());
    let poll = Duration::from_millis(state.config.outbox.poll_interval_ms);
    let store: Arc<dyn OrderStore> = state.service.ports().store.clone();
    let directory: Arc<dyn Directory> = state.service.ports().directory.clone();
    loop {
        if *shutdown.borrow() {
            break;
        }
        let now = Utc::now();
        match state.outbox.claim(&worker, 20, now).await {
            Ok(items) => {
                for item in items {
                    let result = deliver_one(
                        &item,
                        store.as_ref(),
                        directory.as_ref(),
                        &delivery,
                        &state.config.public_base_url,
                    )
                    .await;
                    let done = match result {
                        Ok(()) => {
                            state.metrics.outbox_delivered.inc();
                            state.outbox.delivered(item.id, Utc::now()).await
                        }
                        Err(err) => {
                            state.metrics.outbox_failed.inc();
                            let retry =
                                policy.next_delay(item.attempts + 1).map(|d| Utc::now() + d);
                            if retry.is_none() {
                                state.metrics.outbox_dead.inc();
                                tracing::error!(id = item.id, key = %item.message.idempotency_key, error = %crate::util::log_safe(&err), "outbox message dead-lettered");
                            } else {
                                tracing::warn!(id = item.id, key = %item.message.idempotency_key, error = %crate::util::log_safe(&err), "outbox delivery failed; will retry");
                            }
                            state.outbox.failed(item.id, &err, retry).await
                        }
                    };
                    if let Err(e) = done {
                        tracing::warn!(error = %e, "outbox bookkeeping failed");
                    }
                }
            }
            Err(e) => tracing::warn!(error = %e, "outbox claim failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(poll) => {}
            _ = shutdown.changed() => {}
        }
    }
}
