//! A connection's bounded outbound queue.
//!
//! The core appends complete messages (already framed with the TCP length prefix) while it
//! holds its lock; the connection's writer task takes everything queued at once and writes
//! it with one syscall, so a burst of notifications costs one write, not one per message.
//! The WebSocket writer splits the same bytes at the length prefixes, so there is one
//! representation for both transports.
//!
//! The queue is bounded in bytes. A push that takes it over the limit marks the connection
//! overflowed: the queued bytes are dropped, later pushes are ignored, and the writer ends
//! the connection. Nothing else waits for a slow peer, and it cannot cost unbounded memory.
//!
//! Lock poisoning: like the bus's lock, the outbox's recovers instead of panicking (the
//! bus pushes into outboxes while it holds its own lock, so a panic here would take the
//! bus down with it). A panic while an outbox is locked can only have come from inside a
//! push, which may have left half a message: so a poisoned outbox is emptied and closed
//! (that one connection ends; every other peer carries on).

use std::sync::{Mutex, MutexGuard};

use tokio::sync::Notify;

/// Why a connection's writer stopped taking data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Closed {
    /// The peer let more than the limit pile up.
    Overflow { queued: usize, limit: usize },
    /// The daemon closes the connection (shutdown or a fatal protocol error).
    Shutdown,
}

/// Capacity given to an empty queue on its first push.
const FIRST_BUFFER: usize = 256;
/// Buffers up to this capacity are kept while the connection is idle.
const KEEP_IDLE: usize = 1024;

#[derive(Debug)]
struct Inner {
    buf: Vec<u8>,
    closed: Option<Closed>,
}

/// See the module documentation.
#[derive(Debug)]
pub struct Outbox {
    inner: Mutex<Inner>,
    ready: Notify,
    /// Woken when the queue overflows, so the connection is torn down even while its
    /// writer is blocked writing to a peer that does not read.
    overflow: Notify,
    limit: usize,
}

impl Outbox {
    pub fn new(limit: usize) -> Self {
        Outbox {
            inner: Mutex::new(Inner {
                buf: Vec::new(),
                closed: None,
            }),
            ready: Notify::new(),
            overflow: Notify::new(),
            limit,
        }
    }

    /// The queue, locked. See the module documentation for a poisoned lock.
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|poisoned| {
            let mut inner = poisoned.into_inner();
            inner.buf = Vec::new();
            inner.closed.get_or_insert(Closed::Shutdown);
            self.inner.clear_poison();
            // The writer may be waiting for data: let it see the close.
            self.ready.notify_one();
            inner
        })
    }

    /// Append one message: `write` puts the JSON text into the buffer, the length prefix is
    /// filled in afterwards. Returns false when the connection is closed or just overflowed.
    pub fn push_with(&self, write: impl FnOnce(&mut Vec<u8>)) -> bool {
        let mut inner = self.lock();
        if inner.closed.is_some() {
            return false;
        }
        let was_empty = inner.buf.is_empty();
        if inner.buf.capacity() == 0 {
            // One allocation for a typical message instead of several doublings from 8 bytes.
            inner.buf.reserve(FIRST_BUFFER);
        }
        let start = inner.buf.len();
        inner.buf.extend_from_slice(&[0; 4]);
        write(&mut inner.buf);
        let len = inner.buf.len() - start - 4;
        let len32 = u32::try_from(len).unwrap_or(u32::MAX);
        inner.buf[start..start + 4].copy_from_slice(&len32.to_be_bytes());
        if inner.buf.len() > self.limit {
            let queued = inner.buf.len();
            inner.closed = Some(Closed::Overflow {
                queued,
                limit: self.limit,
            });
            inner.buf = Vec::new();
            drop(inner);
            self.ready.notify_one();
            self.overflow.notify_one();
            return false;
        }
        drop(inner);
        if was_empty {
            self.ready.notify_one();
        }
        true
    }

    /// Append one message given as complete JSON text.
    pub fn push(&self, json: &[u8]) -> bool {
        self.push_with(|buf| buf.extend_from_slice(json))
    }

    /// Stop accepting data; the writer ends after what is queued was written.
    pub fn close(&self, why: Closed) {
        let mut inner = self.lock();
        if inner.closed.is_none() {
            inner.closed = Some(why);
        }
        drop(inner);
        self.ready.notify_one();
    }

    /// Wait until there is data (or the queue was closed) and swap it with `out`, which
    /// must be empty (its allocation becomes the queue's next buffer, so a busy connection
    /// reuses two buffers; large ones are released when it has to wait). `Err` once closed and
    /// drained.
    pub async fn take(&self, out: &mut Vec<u8>) -> Result<(), Closed> {
        debug_assert!(out.is_empty());
        loop {
            {
                let mut inner = self.lock();
                if !inner.buf.is_empty() {
                    std::mem::swap(&mut inner.buf, out);
                    return Ok(());
                }
                if let Some(why) = inner.closed {
                    return Err(why);
                }
                // About to wait: an idle connection keeps no large buffers (most connections
                // of a busy daemon are idle fetchers, and a burst may have grown these).
                // Small ones stay, so a connection that goes idle after every message does
                // not allocate per message.
                if inner.buf.capacity() > KEEP_IDLE {
                    inner.buf = Vec::new();
                }
                if out.capacity() > KEEP_IDLE {
                    *out = Vec::new();
                }
            }
            self.ready.notified().await;
        }
    }

    /// Drop whatever is queued (the connection is being closed without a goodbye).
    pub fn discard(&self) {
        self.lock().buf = Vec::new();
    }

    /// Resolves when the queue has overflowed.
    pub async fn overflowed(&self) -> Closed {
        loop {
            if let Some(why @ Closed::Overflow { .. }) = self.lock().closed {
                return why;
            }
            self.overflow.notified().await;
        }
    }

    /// Bytes currently queued.
    pub fn queued(&self) -> usize {
        self.lock().buf.len()
    }
}

/// Split a buffer of length-prefixed frames into its payloads.
pub fn frames(buf: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = buf;
    std::iter::from_fn(move || {
        if rest.len() < 4 {
            return None;
        }
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let (frame, tail) = rest[4..].split_at(len);
        rest = tail;
        Some(frame)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pushes_are_framed_and_taken_together() {
        let ob = Outbox::new(1024);
        assert!(ob.push(b"{}"));
        assert!(ob.push(b"[1]"));
        let mut out = Vec::new();
        ob.take(&mut out).await.unwrap();
        let got: Vec<&[u8]> = frames(&out).collect();
        assert_eq!(got, vec![&b"{}"[..], &b"[1]"[..]]);
    }

    #[tokio::test]
    async fn overflow_closes_and_drops_the_queue() {
        let ob = Outbox::new(10);
        assert!(ob.push(b"12"));
        assert!(!ob.push(b"123456"));
        assert!(!ob.push(b"1"));
        let mut out = Vec::new();
        assert_eq!(
            ob.take(&mut out).await,
            Err(Closed::Overflow {
                queued: 16,
                limit: 10
            })
        );
    }

    /// `take` releases a large buffer when it has to wait; pushes after that still arrive,
    /// whole and in order.
    #[tokio::test]
    async fn pushes_after_an_idle_wait_arrive_and_large_buffers_are_released() {
        let ob = std::sync::Arc::new(Outbox::new(1 << 20));
        let big = vec![b'y'; 2 * KEEP_IDLE];
        ob.push(&big);
        let mut out = Vec::new();
        ob.take(&mut out).await.unwrap();
        assert_eq!(frames(&out).collect::<Vec<_>>(), vec![&big[..]]);
        out.clear();
        let waiting = {
            let ob = ob.clone();
            tokio::spawn(async move {
                // `out` still has the large allocation: the wait must release it.
                ob.take(&mut out).await.map(|()| out)
            })
        };
        tokio::task::yield_now().await;
        let long = vec![b'x'; 3 * FIRST_BUFFER];
        ob.push(b"second");
        ob.push(&long);
        let got = tokio::time::timeout(std::time::Duration::from_secs(5), waiting)
            .await
            .expect("take did not wake up")
            .unwrap()
            .unwrap();
        assert_eq!(
            frames(&got).collect::<Vec<_>>(),
            vec![&b"second"[..], &long[..]]
        );
        // The queue's next buffer is the one the waiter handed in: released, not kept.
        assert_eq!(ob.inner.lock().unwrap().buf.capacity(), 0);
    }

    /// A panic inside a push (half a message written) closes that outbox instead of
    /// poisoning it for everybody who pushes into it later (the bus, under its lock).
    #[tokio::test]
    async fn a_panic_inside_a_push_closes_the_outbox() {
        let ob = Outbox::new(100);
        assert!(ob.push(b"1"));
        let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            ob.push_with(|b| {
                b.extend_from_slice(b"{\"half\":");
                panic!("a bug while writing");
            })
        }));
        assert!(panicked.is_err());
        assert!(!ob.push(b"2"), "a poisoned outbox is closed");
        assert_eq!(ob.queued(), 0, "and holds no half message");
        let mut out = Vec::new();
        assert_eq!(ob.take(&mut out).await, Err(Closed::Shutdown));
    }

    #[tokio::test]
    async fn close_drains_first() {
        let ob = Outbox::new(100);
        ob.push(b"1");
        ob.close(Closed::Shutdown);
        let mut out = Vec::new();
        ob.take(&mut out).await.unwrap();
        out.clear();
        assert_eq!(ob.take(&mut out).await, Err(Closed::Shutdown));
    }
}
