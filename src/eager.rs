//! The request's executor: a future polled at once, and polled again at once, in the
//! waker's own call, whenever it is woken. Pure: the Worker's `fetch` export
//! (`crate::entry`) uses it.
//!
//! - A request that awaits nothing is answered by the first poll, in the runtime's own
//!   call: no promise, no task, no microtask.
//! - A request that awaits a JS promise is polled again from inside that promise's
//!   callback, which is already a microtask. wasm-bindgen's executor would queue one more
//!   microtask for each wake (`queueMicrotask`, then a call back into the module to run
//!   its queue) and start with a needless second poll.
//!
//! A wake that comes while the future is being polled (a future that wakes itself) is not
//! lost and does not re-enter: it makes that poll loop once more. A wake after the future
//! finished is ignored.
//!
//! What this asks of the futures it runs: a future must record what it waited for before
//! it wakes, since the wake polls it at once. js-sys's `JsFuture` (every awaited promise:
//! the body, D1, `fetch`, WebCrypto) stores the value, then wakes. `worker::Delay` wakes
//! first, so the client-document timeout is a promise that `setTimeout` resolves.
//!
//! A waker must be `Send + Sync`, and the futures here hold JS values, which are not. So
//! the waker carries only the task's slot and number, and the tasks waiting for a wake
//! are kept per thread (an isolate runs one thread). A task leaves its slot when it
//! finishes; one whose promise never settles keeps it, as wasm-bindgen's task would stay
//! (its waker and its future hold each other), but it slows no other task's wake.

use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context, Poll, Wake, Waker};

/// What the first poll gave: the output, or the task that will produce it.
pub enum Eager<T: 'static> {
    Ready(T),
    Later(Pending<T>),
}

/// A task still waiting for a wake; `then` says what to do with its output.
pub struct Pending<T: 'static>(Rc<Task<T>>);

/// Polls `future` once, at once. If it is not ready, every later wake polls it again at
/// once, until it is.
pub fn start<T: 'static>(future: impl Future<Output = T> + 'static) -> Eager<T> {
    let id = NEXT_ID.with(|next| next.replace(next.get().wrapping_add(1)));
    let slot = WAITING.with(|waiting| waiting.borrow_mut().reserve());
    let task = Rc::new(Task {
        id,
        slot,
        waker: Waker::from(Arc::new(Wakeup { slot, id })),
        future: RefCell::new(Some(Box::pin(future))),
        polling: Cell::new(false),
        woken: Cell::new(false),
        finish: RefCell::new(Finish::Waiting),
    });
    // Listed before the first poll, so that a wake from inside it reaches the task.
    WAITING.with(|waiting| waiting.borrow_mut().tasks[slot] = Some(task.clone()));
    match task.turn() {
        Some(output) => {
            unlist(slot);
            Eager::Ready(output)
        }
        None => Eager::Later(Pending(task)),
    }
}

impl<T: 'static> Pending<T> {
    /// Hands the output to `finish` when the task is done (at once, if it already is).
    pub fn then(self, finish: impl FnOnce(T) + 'static) {
        let mut state = self.0.finish.borrow_mut();
        match std::mem::replace(&mut *state, Finish::Taken) {
            Finish::Done(output) => {
                drop(state);
                finish(output);
            }
            _ => *state = Finish::Then(Box::new(finish)),
        }
    }
}

thread_local! {
    static NEXT_ID: Cell<u64> = const { Cell::new(0) };
    /// The tasks waiting for a wake, by slot, until they finish.
    static WAITING: RefCell<Slots> = const { RefCell::new(Slots { tasks: Vec::new(), free: Vec::new() }) };
}

/// A wake finds its task in one step, however many wait: a request whose promise never
/// settles (its client went away) keeps its slot, and must not slow every later wake.
struct Slots {
    tasks: Vec<Option<Rc<dyn Run>>>,
    free: Vec<usize>,
}

impl Slots {
    fn reserve(&mut self) -> usize {
        self.free.pop().unwrap_or_else(|| {
            self.tasks.push(None);
            self.tasks.len() - 1
        })
    }

    /// The task in `slot`, if it is still the one numbered `id` (a slot is reused).
    fn get(&self, slot: usize, id: u64) -> Option<Rc<dyn Run>> {
        let task = self.tasks.get(slot)?.as_ref()?;
        (task.id() == id).then(|| Rc::clone(task))
    }
}

struct Task<T> {
    id: u64,
    slot: usize,
    waker: Waker,
    future: RefCell<Option<Pin<Box<dyn Future<Output = T>>>>>,
    polling: Cell<bool>,
    woken: Cell<bool>,
    finish: RefCell<Finish<T>>,
}

enum Finish<T> {
    Waiting,
    Then(Box<dyn FnOnce(T)>),
    Done(T),
    Taken,
}

impl<T> Task<T> {
    /// Polls until the future is ready or pending with no wake received during the poll.
    /// Called while a poll is under way (a wake from inside it), it only asks for another
    /// round.
    fn turn(&self) -> Option<T> {
        if self.polling.replace(true) {
            self.woken.set(true);
            return None;
        }
        let output = loop {
            self.woken.set(false);
            let mut slot = self.future.borrow_mut();
            let Some(future) = slot.as_mut() else {
                break None;
            };
            if let Poll::Ready(output) = future.as_mut().poll(&mut Context::from_waker(&self.waker))
            {
                *slot = None;
                break Some(output);
            }
            if !self.woken.get() {
                break None;
            }
        };
        self.polling.set(false);
        output
    }
}

/// A waiting task, whatever its output.
trait Run {
    fn id(&self) -> u64;
    fn run(&self);
}

fn unlist(slot: usize) {
    WAITING.with(|waiting| {
        let mut waiting = waiting.borrow_mut();
        if waiting.tasks.get_mut(slot).and_then(Option::take).is_some() {
            waiting.free.push(slot);
        }
    });
}

impl<T> Run for Task<T> {
    fn id(&self) -> u64 {
        self.id
    }

    fn run(&self) {
        let Some(output) = self.turn() else {
            return;
        };
        unlist(self.slot);
        let mut state = self.finish.borrow_mut();
        match std::mem::replace(&mut *state, Finish::Taken) {
            Finish::Then(finish) => {
                drop(state);
                finish(output);
            }
            _ => *state = Finish::Done(output),
        }
    }
}

/// The waker: where the task to poll is listed, and its number.
struct Wakeup {
    slot: usize,
    id: u64,
}

impl Wake for Wakeup {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        let task = WAITING.with(|waiting| waiting.borrow().get(self.slot, self.id));
        if let Some(task) = task {
            task.run();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Pending until `open` is set; keeps only the first waker it is polled with, as
    /// `worker::Delay` does, and counts its polls.
    #[derive(Clone, Default)]
    struct Gate {
        open: Rc<Cell<bool>>,
        waker: Rc<RefCell<Option<Waker>>>,
        polls: Rc<Cell<usize>>,
    }

    impl Gate {
        fn future(&self) -> impl Future<Output = &'static str> {
            let gate = self.clone();
            std::future::poll_fn(move |cx| {
                gate.polls.set(gate.polls.get() + 1);
                if gate.open.get() {
                    return Poll::Ready("answer");
                }
                gate.waker
                    .borrow_mut()
                    .get_or_insert_with(|| cx.waker().clone());
                Poll::Pending
            })
        }

        fn open_and_wake(&self) {
            self.open.set(true);
            self.waker
                .borrow()
                .as_ref()
                .expect("a waker was kept")
                .wake_by_ref();
        }
    }

    fn answer_slot() -> (Rc<RefCell<Option<&'static str>>>, impl FnOnce(&'static str)) {
        let slot = Rc::new(RefCell::new(None));
        let keep = Rc::clone(&slot);
        (slot, move |answer| *keep.borrow_mut() = Some(answer))
    }

    fn waiting() -> usize {
        WAITING.with(|waiting| waiting.borrow().tasks.iter().flatten().count())
    }

    #[test]
    fn a_future_that_awaits_nothing_is_answered_by_the_first_poll() {
        let before = waiting();
        match start(async { 7 }) {
            Eager::Ready(output) => assert_eq!(output, 7),
            Eager::Later(_) => panic!("an async block without an await was not ready"),
        }
        assert_eq!(waiting(), before, "a finished task is not kept");
    }

    #[test]
    fn a_wake_polls_the_task_at_once_and_hands_over_its_output() {
        let before = waiting();
        let gate = Gate::default();
        let Eager::Later(pending) = start(gate.future()) else {
            panic!("a closed gate was ready");
        };
        let (answer, finish) = answer_slot();
        pending.then(finish);
        assert_eq!(waiting(), before + 1);
        assert_eq!(gate.polls.get(), 1, "one poll until a wake");

        // `worker::Delay` keeps the first waker only: that waker must do.
        gate.open_and_wake();
        assert_eq!(
            gate.polls.get(),
            2,
            "the wake polled the task in its own call"
        );
        assert_eq!(*answer.borrow(), Some("answer"));
        assert_eq!(waiting(), before, "a finished task is no longer listed");

        gate.waker.borrow().as_ref().expect("kept").wake_by_ref();
        assert_eq!(gate.polls.get(), 2, "a wake after the end polls nothing");
    }

    #[test]
    fn a_wake_from_inside_a_poll_makes_the_poll_loop_instead_of_re_entering() {
        let polls = Rc::new(Cell::new(0));
        let kept: Rc<RefCell<Option<Waker>>> = Rc::default();
        let (counted, keep) = (Rc::clone(&polls), Rc::clone(&kept));
        // Polls 1 and 3 wake the task from inside the poll, as a yield does; poll 2 waits
        // for a wake from outside; poll 4 is ready. A re-entrant poll would find the
        // future borrowed and panic.
        let future = std::future::poll_fn(move |cx| {
            counted.set(counted.get() + 1);
            match counted.get() {
                1 | 3 => {
                    cx.waker().wake_by_ref();
                    Poll::Pending
                }
                2 => {
                    *keep.borrow_mut() = Some(cx.waker().clone());
                    Poll::Pending
                }
                _ => Poll::Ready("answer"),
            }
        });
        let Eager::Later(pending) = start(future) else {
            panic!("ready before the wake from outside");
        };
        assert_eq!(
            polls.get(),
            2,
            "the wake inside the first poll gave it one more round"
        );
        let (answer, finish) = answer_slot();
        pending.then(finish);

        let waker = kept.borrow_mut().take().expect("poll 2 kept its waker");
        waker.wake();
        assert_eq!(
            polls.get(),
            4,
            "the wake inside poll 3 gave it one more round"
        );
        assert_eq!(*answer.borrow(), Some("answer"));
    }

    #[test]
    fn a_stale_waker_does_not_poll_the_task_that_took_over_its_slot() {
        let first = Gate::default();
        let Eager::Later(pending) = start(first.future()) else {
            panic!("a closed gate was ready");
        };
        pending.then(|_| {});
        first.open_and_wake();
        assert_eq!(first.polls.get(), 2);

        // The next task gets the freed slot; the first task's waker must not reach it.
        let second = Gate::default();
        let Eager::Later(pending) = start(second.future()) else {
            panic!("a closed gate was ready");
        };
        pending.then(|_| {});
        first.waker.borrow().as_ref().expect("kept").wake_by_ref();
        assert_eq!(second.polls.get(), 1, "polled by another task's waker");
        second.open_and_wake();
        assert_eq!(second.polls.get(), 2);
    }

    #[test]
    fn tasks_that_never_finish_leave_the_others_reachable() {
        let stuck: Vec<Gate> = (0..100).map(|_| Gate::default()).collect();
        for gate in &stuck {
            let Eager::Later(pending) = start(gate.future()) else {
                panic!("a closed gate was ready");
            };
            pending.then(|_| {});
        }
        let live = Gate::default();
        let Eager::Later(pending) = start(live.future()) else {
            panic!("a closed gate was ready");
        };
        let (answer, finish) = answer_slot();
        pending.then(finish);
        live.open_and_wake();
        assert_eq!(*answer.borrow(), Some("answer"));
        assert!(
            stuck.iter().all(|gate| gate.polls.get() == 1),
            "no other task was polled"
        );
    }

    #[test]
    fn an_output_that_comes_before_then_is_handed_over_by_then() {
        let gate = Gate::default();
        let Eager::Later(pending) = start(gate.future()) else {
            panic!("a closed gate was ready");
        };
        gate.open_and_wake();
        let (answer, finish) = answer_slot();
        pending.then(finish);
        assert_eq!(*answer.borrow(), Some("answer"));
    }
}
