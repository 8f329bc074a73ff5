//! beh-http: the `beh` server — the JSON API of HTTP-API.md, SITHS login, sessions, the outbox
//! workers that send mail and tickets, and the web pages. A thin adapter: handlers extract,
//! call one `OrderService` function and map the error (in `error`, the only place).

pub mod adapters;
pub mod api;
pub mod app;
pub mod auth;
pub mod config;
pub mod demo;
pub mod error;
pub mod extract;
pub mod history;
pub mod openapi;
pub mod ops;
pub mod pages;
pub mod pem;
pub mod state;
pub mod tls;
pub mod util;
pub mod workers;
