/**
 * Runs a state machine definition the way Step Functions would, for the subset fan-out mode uses, so that the tests
 * drive the handlers with exactly the payloads the deployed definition specifies: Task (`lambda:invoke`, and
 * `aws-sdk:sfn:listExecutions` answered by the test), Choice (NumericGreaterThan, BooleanEquals), Succeed, Fail, Catch
 * (ErrorEquals with error names or `States.ALL`, ResultPath `$.name`), and a Distributed Map with
 * an S3 JSON ItemReader, an ItemBatcher and a ResultWriter that writes `manifest.json` and the result files as the
 * Step Functions developer guide describes them (a write that fails fails the Map with `States.ResultWriterFailed`). Paths: `$`, `$.a.b`, `$$.Execution.Name|Input`, `$$.StateMachine.Id`,
 * and the intrinsic `States.ArrayLength(path)`. Anything else throws, so a definition the simulator does not
 * understand fails the test instead of passing it unchecked. Batches run one after the other.
 */
import type { JsonStore } from "../../runtime/fanout/storage";

type Json = any;

export interface ExecutionContext {
  Execution: { Name: string; Input: Json };
  StateMachine: { Id: string };
}

export interface Simulation {
  /** Invokes the function in-process; a throw becomes the task's error (`Error` is its name, `Cause` its message). */
  invoke(functionArn: string, payload: Json): Promise<Json>;
  /** The RUNNING executions `listExecutions` returns (this one included). */
  running(): Json[];
  /** The bucket the Map reads and writes, as a JSON store. */
  store: JsonStore;
}

export interface SimulationRecord {
  /** The states entered, in order (the Map's item processor states not included). */
  states: string[];
  invocations: { functionArn: string; payload: Json }[];
  /** The batches the Map handed to its item processor. */
  batches: Json[];
}

/** The execution ended in a Fail state. */
export class ExecutionFailed extends Error {
  constructor(readonly error: string, readonly reason: string) {
    super(`execution failed: ${error}: ${reason}`);
  }
}

class TaskFailed extends Error {
  constructor(readonly error: string, readonly reason: string) {
    super(`${error}: ${reason}`);
  }
}

function readPath(path: string, input: Json, ctx: ExecutionContext): Json {
  const [root, ...parts] = path.startsWith("$$.") ? ["$$", ...path.slice(3).split(".")] : path === "$" ? ["$"] : ["$", ...path.slice(2).split(".")];
  if (!path.startsWith("$")) throw new Error(`unsupported path ${path}`);
  let value = root === "$$" ? ctx : input;
  for (const part of parts) {
    if (value === undefined || value === null || typeof value !== "object") throw new Error(`path ${path} does not exist in ${JSON.stringify(value)}`);
    value = value[part];
  }
  if (value === undefined) throw new Error(`path ${path} does not exist`);
  return value;
}

function evaluate(expression: string, input: Json, ctx: ExecutionContext): Json {
  const intrinsic = /^States\.ArrayLength\((.+)\)$/.exec(expression);
  if (intrinsic) return (readPath(intrinsic[1], input, ctx) as unknown[]).length;
  if (expression.startsWith("States.")) throw new Error(`unsupported intrinsic ${expression}`);
  return readPath(expression, input, ctx);
}

/** A Parameters / ResultSelector / BatchInput template: keys ending `.$` are paths. */
export function resolveTemplate(template: Json, input: Json, ctx: ExecutionContext): Json {
  if (Array.isArray(template)) return template.map((t) => resolveTemplate(t, input, ctx));
  if (!template || typeof template !== "object") return template;
  const out: Record<string, Json> = {};
  for (const [key, value] of Object.entries(template)) {
    if (key.endsWith(".$")) out[key.slice(0, -2)] = evaluate(value as string, input, ctx);
    else out[key] = resolveTemplate(value, input, ctx);
  }
  return out;
}

function setPath(input: Json, path: string | undefined, result: Json): Json {
  if (path === undefined || path === "$") return result;
  if (!path.startsWith("$.") || path.slice(2).includes(".")) throw new Error(`unsupported ResultPath ${path}`);
  return { ...input, [path.slice(2)]: result };
}

export class AslSimulator {
  readonly record: SimulationRecord = { states: [], invocations: [], batches: [] };
  private mapRuns = 0;

  constructor(private readonly definition: Json, private readonly sim: Simulation, private readonly ctx: ExecutionContext) {}

  /** Runs the execution; returns its output, or throws its error. */
  async run(): Promise<Json> {
    return this.runStates(this.definition, this.ctx.Execution.Input, true);
  }

  private async runStates(machine: Json, input: Json, top: boolean): Promise<Json> {
    let name: string = machine.StartAt;
    let data = input;
    for (;;) {
      const state = machine.States[name];
      if (!state) throw new Error(`no state ${name}`);
      if (top) this.record.states.push(name);
      if (state.Type === "Succeed") return data;
      if (state.Type === "Fail") throw new ExecutionFailed(state.Error, state.Cause);
      if (state.Type === "Choice") {
        name = this.choose(state, data);
        continue;
      }
      let raw: Json;
      try {
        raw = state.Type === "Task" ? await this.task(state, data) : state.Type === "Map" ? await this.map(state, data) : undefined;
      } catch (err) {
        const catcher = err instanceof TaskFailed ? (state.Catch ?? []).find((c: Json) => c.ErrorEquals.includes("States.ALL") || c.ErrorEquals.includes(err.error)) : undefined;
        if (!catcher) throw err;
        data = setPath(data, catcher.ResultPath, { Error: (err as TaskFailed).error, Cause: (err as TaskFailed).reason });
        name = catcher.Next;
        continue;
      }
      if (raw === undefined) throw new Error(`unsupported state type ${state.Type}`);
      const selected = state.ResultSelector ? resolveTemplate(state.ResultSelector, raw, this.ctx) : raw;
      const merged = setPath(data, state.ResultPath, selected);
      data = state.OutputPath ? readPath(state.OutputPath, merged, this.ctx) : merged;
      if (state.End) return data;
      name = state.Next;
    }
  }

  private choose(state: Json, data: Json): string {
    for (const choice of state.Choices) {
      const keys = Object.keys(choice).filter((k) => k !== "Variable" && k !== "Next");
      if (keys.length !== 1 || !["NumericGreaterThan", "BooleanEquals"].includes(keys[0])) throw new Error(`unsupported choice ${JSON.stringify(choice)}`);
      const value = readPath(choice.Variable, data, this.ctx);
      if (keys[0] === "NumericGreaterThan" ? value > choice.NumericGreaterThan : value === choice.BooleanEquals) return choice.Next;
    }
    return state.Default;
  }

  private async task(state: Json, data: Json): Promise<Json> {
    const params = resolveTemplate(state.Parameters, data, this.ctx);
    if (/^arn:[^:]+:states:::lambda:invoke$/.test(state.Resource)) {
      this.record.invocations.push({ functionArn: params.FunctionName, payload: params.Payload });
      try {
        return { StatusCode: 200, Payload: await this.sim.invoke(params.FunctionName, params.Payload) };
      } catch (err) {
        throw new TaskFailed((err as Error).name ?? "Error", (err as Error).message);
      }
    }
    if (/^arn:[^:]+:states:::aws-sdk:sfn:listExecutions$/.test(state.Resource)) {
      if (params.StateMachineArn !== this.ctx.StateMachine.Id || params.StatusFilter !== "RUNNING") throw new Error(`unexpected listExecutions ${JSON.stringify(params)}`);
      return { Executions: this.sim.running().slice(0, params.MaxResults ?? 100) };
    }
    throw new Error(`unsupported resource ${state.Resource}`);
  }

  private async map(state: Json, data: Json): Promise<Json> {
    if (state.ItemProcessor?.ProcessorConfig?.Mode !== "DISTRIBUTED") throw new Error("only a Distributed Map is simulated");
    const reader = resolveTemplate(state.ItemReader.Parameters, data, this.ctx);
    if (state.ItemReader.ReaderConfig?.InputType !== "JSON" || reader.Bucket !== this.sim.store.bucket) throw new Error(`unsupported ItemReader ${JSON.stringify(state.ItemReader)}`);
    const items = await this.sim.store.get<Json[]>(reader.Key);
    const batcher = state.ItemBatcher;
    const batchInput = resolveTemplate(batcher.BatchInput, data, this.ctx);
    const succeeded: Json[] = [];
    const failed: Json[] = [];
    for (let i = 0; i < items.length; i += batcher.MaxItemsPerBatch) {
      const batch = { Items: items.slice(i, i + batcher.MaxItemsPerBatch), BatchInput: batchInput };
      if (Buffer.byteLength(JSON.stringify(batch)) > batcher.MaxInputBytesPerBatch) throw new Error("a batch exceeds MaxInputBytesPerBatch");
      this.record.batches.push(batch);
      const execution = { ExecutionArn: `${this.ctx.StateMachine.Id.replace(":stateMachine:", ":execution:")}/Clean:${i}`, Input: JSON.stringify(batch) };
      try {
        const output = await this.runStates(state.ItemProcessor, batch, false);
        succeeded.push({ ...execution, Output: JSON.stringify(output), Status: "SUCCEEDED" });
      } catch (err) {
        if (!(err instanceof TaskFailed)) throw err;
        failed.push({ ...execution, Status: "FAILED", Error: err.error, Cause: err.reason });
      }
    }
    const total = succeeded.length + failed.length;
    if (total && (failed.length * 100) / total > (state.ToleratedFailurePercentage ?? 0)) throw new TaskFailed("States.ExceedToleratedFailureThreshold", "too many failed batches");
    return this.writeResults(state.ResultWriter, data, succeeded, failed);
  }

  /** What the ResultWriter leaves in S3, and the Map's output that points at it. */
  private async writeResults(writer: Json, data: Json, succeeded: Json[], failed: Json[]): Promise<Json> {
    const params = resolveTemplate(writer.Parameters, data, this.ctx);
    if (!/^arn:[^:]+:states:::s3:putObject$/.test(writer.Resource) || params.Bucket !== this.sim.store.bucket) throw new Error(`unsupported ResultWriter ${JSON.stringify(writer)}`);
    const mapRun = `map-run-${++this.mapRuns}`;
    const folder = `${params.Prefix}/${mapRun}`;
    const files: Record<string, { Key: string; Size: number }[]> = { FAILED: [], PENDING: [], SUCCEEDED: [] };
    const mapRunArn = `${this.ctx.StateMachine.Id.replace(":stateMachine:", ":mapRun:")}/Clean:${mapRun}`;
    const manifestKey = `${folder}/manifest.json`;
    try {
      for (const [status, executions] of [["SUCCEEDED", succeeded], ["FAILED", failed]] as const) {
        if (!executions.length) continue;
        const key = `${folder}/${status}_0.json`;
        await this.sim.store.put(key, executions);
        files[status].push({ Key: key, Size: Buffer.byteLength(JSON.stringify(executions)) });
      }
      await this.sim.store.put(manifestKey, { DestinationBucket: params.Bucket, MapRunArn: mapRunArn, ResultFiles: files });
    } catch (err) {
      // The Map state fails with the error the States Language names for it (a Catch can take it).
      throw new TaskFailed("States.ResultWriterFailed", `A Map state failed to write all results as specified by the "ResultWriter" field. (${(err as Error).message})`);
    }
    return { MapRunArn: mapRunArn, ResultWriterDetails: { Bucket: params.Bucket, Key: manifestKey } };
  }
}
