// Scenes (wizards) on the FSM: declared steps, typed data, back / cancel, a lazily checked timeout
export {
  type ActiveScene,
  type InScene,
  Scene,
  type SceneLeaveReason,
  type SceneOptions,
  type SceneRuntime,
  type SceneRuntimeStep,
  type SceneStep,
  scene,
} from './scene.js';
export {
  type AnyScene,
  type SceneControl,
  type SceneDataMap,
  type SceneEntry,
  type SceneFlavor,
  type SceneMapOf,
  Stage,
  type StageOptions,
  stage,
} from './stage.js';
