//! Polling a future once, at once, before handing it to an executor. Pure: the Worker's
//! `fetch` export (`crate::entry`) uses it so that a request that awaits nothing is
//! answered in the runtime's own call, without a promise, a task or a microtask.
//!
//! The continuation must keep working for every kind of future, including one that keeps
//! only the first waker it was given (`worker::Delay` does: it hands that waker to
//! `setTimeout` on its first poll). So the first poll's waker forwards every wake to the
//! waker of whoever polls the continuation last.

use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll, Wake, Waker};

/// What one poll gave: the output, or the rest of the work as a future.
pub enum Eager<T, F> {
    Ready(T),
    Later(F),
}

/// Polls `future` once. If it is not ready, the returned future finishes it; wakes that
/// the first poll's wakers receive reach the continuation's current waker.
pub fn poll_once<T>(
    mut future: Pin<Box<dyn Future<Output = T>>>,
) -> Eager<T, impl Future<Output = T>> {
    let forward = Arc::new(Forward::default());
    let waker = Waker::from(Arc::clone(&forward));
    match future.as_mut().poll(&mut Context::from_waker(&waker)) {
        Poll::Ready(output) => Eager::Ready(output),
        Poll::Pending => Eager::Later(poll_fn(move |cx| {
            forward.follow(cx.waker());
            future.as_mut().poll(cx)
        })),
    }
}

/// The first poll's waker. A wake that comes before the continuation is polled needs no
/// forwarding: the continuation polls the future anyway.
#[derive(Default)]
struct Forward(Mutex<Option<Waker>>);

impl Forward {
    fn follow(&self, waker: &Waker) {
        if let Ok(mut slot) = self.0.lock() {
            if !slot.as_ref().is_some_and(|known| known.will_wake(waker)) {
                *slot = Some(waker.clone());
            }
        }
    }
}

impl Wake for Forward {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    /// Wakes outside the lock, so a waker that polls or follows at once cannot find it held.
    fn wake_by_ref(self: &Arc<Self>) {
        let waker = self.0.lock().ok().and_then(|slot| slot.clone());
        if let Some(waker) = waker {
            waker.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::cell::{Cell, RefCell};
    use std::rc::Rc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    /// Counts its wakes.
    #[derive(Default)]
    struct Counter(AtomicUsize);

    impl Wake for Counter {
        fn wake(self: Arc<Self>) {
            self.0.fetch_add(1, Ordering::SeqCst);
        }
    }

    /// Pending until `done` is set; keeps only the first waker it is polled with, as
    /// `worker::Delay` does, and reports how often it was polled.
    struct FirstWakerOnly {
        done: Rc<Cell<bool>>,
        waker: Rc<RefCell<Option<Waker>>>,
        polls: Rc<Cell<usize>>,
    }

    impl Future for FirstWakerOnly {
        type Output = &'static str;

        fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<&'static str> {
            self.polls.set(self.polls.get() + 1);
            if self.done.get() {
                return Poll::Ready("answer");
            }
            self.waker
                .borrow_mut()
                .get_or_insert_with(|| cx.waker().clone());
            Poll::Pending
        }
    }

    #[test]
    fn a_future_that_awaits_nothing_is_answered_by_the_first_poll() {
        match poll_once(Box::pin(async { 7 })) {
            Eager::Ready(output) => assert_eq!(output, 7),
            Eager::Later(_) => panic!("an async block without an await was not ready"),
        }
    }

    #[test]
    fn a_wake_of_the_first_waker_reaches_the_continuation() {
        let done = Rc::new(Cell::new(false));
        let kept = Rc::new(RefCell::new(None));
        let polls = Rc::new(Cell::new(0));
        let future = FirstWakerOnly {
            done: Rc::clone(&done),
            waker: Rc::clone(&kept),
            polls: Rc::clone(&polls),
        };
        let Eager::Later(rest) = poll_once(Box::pin(future)) else {
            panic!("a pending future was ready");
        };
        let mut rest = Box::pin(rest);
        let counter = Arc::new(Counter::default());
        let waker = Waker::from(Arc::clone(&counter));
        let mut cx = Context::from_waker(&waker);
        assert!(rest.as_mut().poll(&mut cx).is_pending());
        assert_eq!(polls.get(), 2, "the continuation polls the future again");

        // The future still holds the first poll's waker; its wake must reach the
        // continuation's waker, or the request would never be answered.
        done.set(true);
        let first = kept.borrow_mut().take().expect("the first waker was kept");
        first.wake();
        assert_eq!(counter.0.load(Ordering::SeqCst), 1);
        assert_eq!(rest.as_mut().poll(&mut cx), Poll::Ready("answer"));
    }

    #[test]
    fn a_wake_before_the_continuation_is_polled_is_not_lost() {
        let done = Rc::new(Cell::new(false));
        let kept = Rc::new(RefCell::new(None));
        let future = FirstWakerOnly {
            done: Rc::clone(&done),
            waker: Rc::clone(&kept),
            polls: Rc::new(Cell::new(0)),
        };
        let Eager::Later(rest) = poll_once(Box::pin(future)) else {
            panic!("a pending future was ready");
        };
        done.set(true);
        kept.borrow_mut()
            .take()
            .expect("the first waker was kept")
            .wake();
        let counter = Arc::new(Counter::default());
        let waker = Waker::from(Arc::clone(&counter));
        assert_eq!(
            Box::pin(rest)
                .as_mut()
                .poll(&mut Context::from_waker(&waker)),
            Poll::Ready("answer")
        );
    }
}
