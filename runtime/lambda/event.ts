/**
 * The Lambda's event: the schedule's input, `{"scheduledTime": "<aws.scheduler.scheduled-time>"}` (spec section 6).
 * The scheduled time is the run's `now`, so that a retried run decides the same; any other event means the clock.
 */
import { parseInstant } from "../config/instant";

/** The target input the component gives the schedule; EventBridge Scheduler replaces the keyword when it invokes. */
export const SCHEDULED_TIME_KEYWORD = "<aws.scheduler.scheduled-time>";
export const SCHEDULE_INPUT = JSON.stringify({ scheduledTime: SCHEDULED_TIME_KEYWORD });

/** At most this much of a rejected value is echoed in the warning, so an event cannot flood the log. */
const ECHO_MAX = 80;

export interface RunTime {
  now: Date;
  /** Where `now` came from. */
  source: "scheduledTime" | "clock";
  /** Set when the event carried a scheduledTime that was not used. */
  warning?: string;
}

function echo(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > ECHO_MAX ? `${text.slice(0, ECHO_MAX)}…` : text;
}

/**
 * `now` for a run. A scheduledTime later than the clock is not used: a later `now` ages every image and so deletes
 * more, and the right to invoke the function must not be the right to choose what it deletes.
 */
export function runTimeOf(event: unknown, clock: Date): RunTime {
  if (!event || typeof event !== "object" || Array.isArray(event) || !("scheduledTime" in event)) return { now: clock, source: "clock" };
  const value = (event as { scheduledTime: unknown }).scheduledTime;
  // A date-time with an explicit zone, as Scheduler writes it (`2022-03-22T18:59:43Z`).
  const parsed = typeof value === "string" ? parseInstant(value, { dateOnly: false }) : undefined;
  const at = parsed instanceof Date ? parsed : undefined;
  if (!at) {
    return { now: clock, source: "clock", warning: `scheduledTime ${echo(value)} is not an ISO-8601 date-time with a zone (or names no real time); using the clock` };
  }
  if (at.getTime() > clock.getTime()) {
    return { now: clock, source: "clock", warning: `scheduledTime ${echo(value)} is later than the clock (${clock.toISOString()}); using the clock` };
  }
  return { now: at, source: "scheduledTime" };
}
