/**
 * moto for a whole mocha suite: started (or the suite skipped, see requireMoto) before its tests, stopped after,
 * with an ECR client on it. Call at the top of a `describe`.
 */
import type { ECRClient } from "@aws-sdk/client-ecr";
import { Moto, requireMoto, startMoto } from "./moto";
import { ecrClientFor } from "./push";

export interface MotoSuite {
  readonly moto: Moto;
  readonly ecr: ECRClient;
}

export function motoForSuite(): MotoSuite {
  const state: { moto?: Moto; ecr?: ECRClient } = {};
  before(async function () {
    requireMoto(this);
    state.moto = await startMoto();
    state.ecr = ecrClientFor(state.moto.endpoint);
  });
  after(async () => {
    state.ecr?.destroy();
    await state.moto?.stop();
  });
  return {
    get moto() {
      return state.moto!;
    },
    get ecr() {
      return state.ecr!;
    },
  };
}
