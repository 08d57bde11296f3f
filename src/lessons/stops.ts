// Where each stop of a lesson stands. A stop is pending until it runs; then it is
// skipped (a program it requires is missing), or settled by what it did: a step is done
// or failed by its ops, a check passed or failed by what it found, a task passed or
// waiting for the learner. `settle` is the one place that decides a status; every
// change makes a new state, so what was published stays as it was.
import type { CheckResult, PredictionResult, StepResult, StopState, StopStatus } from './port.ts';
import type { Stop } from './schema.ts';

const PENDING: StopState = Object.freeze({ status: 'pending', hints: Object.freeze([]) });

/** A stop's status from what it did: the one place it is decided. */
function settle(stop: Stop, st: Omit<StopState, 'status'>): StopStatus {
  if (st.missing) return 'skipped';
  if (stop.kind === 'step') return st.step?.ok ? 'done' : 'failed';
  if (!st.check) return 'pending';
  return st.check.pass ? 'passed' : stop.kind === 'task' ? 'waiting' : 'failed';
}

export class StopStates {
  private states: readonly StopState[];

  constructor(private stops: readonly Stop[]) {
    this.states = Object.freeze(stops.map(() => PENDING));
  }

  get all(): readonly StopState[] { return this.states; }

  at(i: number): StopState { return this.states[i] ?? PENDING; }

  /** Stop i begins to run. */
  running(i: number): StopState {
    const { missing: _, ...rest } = this.at(i);
    return this.put(i, { ...rest, status: 'running' });
  }

  /** Stop i cannot run here: these programs are missing. */
  skipped(i: number, missing: string[], vars?: StopState['vars']): StopState {
    return this.settled(i, { ...this.at(i), missing, vars });
  }

  /** Step i ran (and left the variables so). */
  stepped(i: number, step: StepResult, vars?: StopState['vars']): StopState {
    return this.settled(i, { ...this.at(i), step, vars });
  }

  /** Check or task i found this. */
  checked(i: number, check: CheckResult, vars?: StopState['vars']): StopState {
    return this.settled(i, { ...this.at(i), check, vars });
  }

  /** Task i's solution was applied (its check, run next, settles it). */
  solved(i: number, step: StepResult): StopState {
    return this.put(i, { ...this.at(i), solved: true, step });
  }

  /** Hints were given for what the check found (`seen`): these, so far, in order. */
  hinted(i: number, seen: string, hints: readonly string[]): StopState {
    return this.put(i, { ...this.at(i), hintState: seen, hints: Object.freeze([...hints]), hinted: true });
  }

  /** The learner guessed at step i's prediction. */
  predicted(i: number, prediction: PredictionResult): StopState {
    return this.put(i, { ...this.at(i), prediction: Object.freeze({ ...prediction }) });
  }

  /** Every check and task has passed, and no step failed (a skipped block counts as done). */
  get passed(): boolean {
    return this.stops.every((s, i) => {
      const st = this.at(i);
      return st.status === 'skipped' || (s.kind === 'step' ? st.status === 'done' : st.status === 'passed');
    });
  }

  private settled(i: number, st: Omit<StopState, 'status'>): StopState {
    return this.put(i, { ...st, status: settle(this.stops[i]!, st) });
  }

  private put(i: number, st: StopState): StopState {
    const frozen = Object.freeze(st);
    this.states = Object.freeze(this.states.map((old, j) => (j === i ? frozen : old)));
    return frozen;
  }
}
