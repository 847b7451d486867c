/**
 * The React components of the `genui` graph. `components` is a `ReactComponentMap`: one entry per
 * name in shared/ui-props.ts, each taking exactly that component's props (checked by `tsc`).
 * `Approval` sends the user's answer back through the stream (`useStreamContext().submit` with
 * `Command({ resume })`), so the graph goes on and re-pushes the same component as approved.
 */
import { useStreamContext } from "@langchain/langgraph-sdk/react-ui";
import type { ComponentType } from "react";
import type { ApprovalAnswer, UiName, UiProps } from "../../shared/ui-props.ts";

/** A React component per declared name, taking that name's props. */
export type ReactComponentMap = { [K in UiName]: ComponentType<UiProps[K]> };

function Progress({ label, step, total, done }: UiProps["progress"]) {
  return (
    <section className="card" data-testid="progress" data-step={step} aria-label="Progress">
      <h2>{done ? "Done" : "Working…"}</h2>
      <div
        className="bar"
        role="progressbar"
        aria-label={label}
        aria-valuemin={0}
        aria-valuemax={total}
        aria-valuenow={step}
      >
        <div style={{ width: `${(100 * step) / total}%` }} />
      </div>
      <p className="status">
        {step}/{total} · {label}
      </p>
    </section>
  );
}

function Forecast({ city, days }: UiProps["forecast"]) {
  return (
    <section className="card" data-testid="forecast" aria-label={`Forecast for ${city}`}>
      <h2>Forecast for {city}</h2>
      <table>
        <thead>
          <tr>
            <th>Day</th>
            <th>High °C</th>
            <th>Low °C</th>
          </tr>
        </thead>
        <tbody>
          {days.map((d) => (
            <tr key={d.day}>
              <td>{d.day}</td>
              <td>{d.high}</td>
              <td>{d.low}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

function Approval({ question, status }: UiProps["approval"]) {
  const stream = useStreamContext();
  const answer = (resume: ApprovalAnswer) =>
    stream.submit(undefined, { command: { resume }, streamMode: ["values", "custom"] });
  return (
    <section className="card" data-testid="approval" data-status={status} aria-label="Approval">
      <h2>{question}</h2>
      {status === "pending" ? (
        <form onSubmit={(e) => e.preventDefault()}>
          <button type="button" onClick={() => answer({ approved: true })}>
            Approve
          </button>
          <button type="button" className="secondary" onClick={() => answer({ approved: false })}>
            Reject
          </button>
        </form>
      ) : (
        <p className="status">Answer: {status}</p>
      )}
    </section>
  );
}

export const components: ReactComponentMap = {
  progress: Progress,
  forecast: Forecast,
  approval: Approval,
};
