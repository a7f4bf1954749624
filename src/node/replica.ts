/**
 * The worker thread's side of data-parallel training (`data-parallel.ts` is the main thread's):
 * a copy of the network whose weights *are* the main thread's (views of the same shared memory)
 * and whose activations and gradients live in an arena of that memory the main thread reserved.
 * For each mini-batch it runs forward and backward on its part of the rows and leaves its
 * gradient, (1/m) Σ over its rows, for the main thread to add to its own.
 */
import { receiveMessageOnPort, type MessagePort } from 'node:worker_threads';
import type { CostName, InitName, LayerSpec } from '../core/config.js';
import { Rng } from '../core/rng.js';
import { costByName } from '../costs/index.js';
import type { Param } from '../layers/layer.js';
import { Network } from '../network/network.js';
import { forwardBackward } from '../train/gradient.js';
import { wasmKernelsInArena, type WasmKernels } from '../kernels/wasm/wasm-kernels.js';
import { CTRL, REPLICA, replicaCostView } from './kernel-protocol.js';

/** What the main thread posts before `REPLICA.INIT`. */
export interface ReplicaSpec {
  layers: LayerSpec[];
  inputShape: number[];
  init: InitName;
  cost: CostName;
  dropoutPerBatch: boolean;
  /** Seeds the replica's dropout masks. */
  seed: number;
  /** Most rows a part will have. */
  capacity: number;
  inSize: number;
  classes: number;
  /** The byte range reserved for the replica's buffers. */
  arenaStart: number;
  arenaBytes: number;
  /** Byte offset and size of each of the main network's parameter values, in `params()` order. */
  params: { offset: number; size: number }[];
  /** Byte offset of an Int32 table of `params.length` slots: the replica writes its gradients' offsets there. */
  gradTable: number;
}

export class ReplicaHost {
  private k: WasmKernels | null = null;
  private net: Network | null = null;
  private spec: ReplicaSpec | null = null;
  private readonly answer: Float64Array;
  private xView: Float32Array | null = null;
  private yView: Float32Array | null = null;

  constructor(
    private readonly module: WebAssembly.Module,
    private readonly fma: boolean,
    private readonly memory: WebAssembly.Memory,
    private readonly c: Int32Array,
    private readonly port: MessagePort,
  ) {
    this.answer = replicaCostView(c);
  }

  /** Carry out the request in the mailbox; a failure is flagged in REPLICA_ERR and its message posted. */
  handle(): void {
    const c = this.c;
    try {
      const kind = c[CTRL.REPLICA_KIND];
      if (kind === REPLICA.INIT) this.init();
      else if (kind === REPLICA.PART) this.answer[0] = this.part(c[CTRL.REPLICA_ARGS]!, c[CTRL.REPLICA_ARGS + 1]!, c[CTRL.REPLICA_ARGS + 2]!, c[CTRL.REPLICA_ARGS + 3]!);
      else throw new Error(`unknown replica request ${kind}`);
    } catch (e) {
      c[CTRL.REPLICA_ERR] = 1;
      this.port.postMessage(e instanceof Error ? (e.stack ?? e.message) : String(e));
    }
  }

  private init(): void {
    const msg = receiveMessageOnPort(this.port);
    if (!msg) throw new Error('replica INIT without a network description on the port');
    const spec = msg.message as ReplicaSpec;
    const k = wasmKernelsInArena(this.module, this.memory, spec.arenaStart, spec.arenaBytes, this.fma);
    const net = new Network({
      inputShape: spec.inputShape,
      layers: spec.layers,
      cost: costByName(spec.cost),
      init: spec.init,
      kernels: k,
      rng: new Rng(spec.seed),
      dropoutPerBatch: spec.dropoutPerBatch,
    });
    net.ensureCapacity(spec.capacity);
    const params = net.params();
    if (params.length !== spec.params.length) throw new Error(`replica has ${params.length} parameters, the main network ${spec.params.length}`);
    const slots = k.view(spec.gradTable, params.length); // a view made through k: current even if the memory just grew
    const table = new Int32Array(slots.buffer, slots.byteOffset, params.length);
    params.forEach((p, i) => {
      const main = spec.params[i]!;
      if (p.size !== main.size) throw new Error(`replica parameter ${p.name} has ${p.size} numbers, the main network's ${main.size}`);
      // the replica reads the main thread's weights: its own (initialized, then unused) are replaced by views of them
      (p as { -readonly [K in keyof Param]: Param[K] }).value = k.view(main.offset, main.size);
      table[i] = p.grad.byteOffset;
    });
    this.k = k;
    this.net = net;
    this.spec = spec;
  }

  /** Forward and backward of `count` rows at byte offsets `xPtr`/`yPtr`, of a mini-batch of `total`; returns Σ C_x over the rows. */
  private part(count: number, total: number, xPtr: number, yPtr: number): number {
    const k = this.k, net = this.net, spec = this.spec;
    if (!k || !net || !spec) throw new Error('replica PART before INIT');
    if (count > spec.capacity) throw new Error(`replica part of ${count} rows exceeds its capacity ${spec.capacity}`);
    // the views change only with the batch's size (the last, shorter mini-batch of an epoch)
    if (!this.xView || this.xView.byteOffset !== xPtr || this.xView.length !== count * spec.inSize) this.xView = k.view(xPtr, count * spec.inSize);
    if (!this.yView || this.yView.byteOffset !== yPtr || this.yView.length !== count * spec.classes) this.yView = k.view(yPtr, count * spec.classes);
    return forwardBackward(net, this.xView, this.yView, count, total, spec.classes);
  }
}
