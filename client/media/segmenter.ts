/**
 * Person segmentation with MediaPipe Tasks (ImageSegmenter, CPU/XNNPACK in WebAssembly), all served by Parley from
 * /assets/build/mediapipe (copied there by scripts/build-client.mjs; no CDN).
 *
 * Why Tasks and not the older @mediapipe/selfie_segmentation "solution": both run under the page's CSP with only
 * 'wasm-unsafe-eval' added, but the older one runs its whole graph on WebGL, and where the GPU is missing or
 * blocklisted (Chromium falls back to software GL) it managed 2.4 frames per second of 640×480 against 22 for the
 * CPU path of Tasks, measured side by side on the same machine. The model is the older package's own
 * selfie_segmentation.tflite, with the input normalisation Tasks needs written into its metadata at build time.
 */
import { ImageSegmenter } from '@mediapipe/tasks-vision';

export const SEGMENTER_ASSETS = '/assets/build/mediapipe';

/** One segmenter for the page: loading the model and WebAssembly takes a while and they never change. */
let loading: Promise<ImageSegmenter> | null = null;
let lastTimestamp = 0;

export function loadSegmenter(): Promise<ImageSegmenter> {
  loading ??= ImageSegmenter.createFromOptions(
    { wasmLoaderPath: `${SEGMENTER_ASSETS}/vision_wasm_internal.js`, wasmBinaryPath: `${SEGMENTER_ASSETS}/vision_wasm_internal.wasm` },
    {
      baseOptions: { modelAssetPath: `${SEGMENTER_ASSETS}/selfie_segmentation.tflite`, delegate: 'CPU' },
      runningMode: 'VIDEO',
      outputConfidenceMasks: true,
      outputCategoryMask: false,
    },
  ).catch((err: unknown) => {
    loading = null;
    throw err;
  });
  return loading;
}

/**
 * Writes the person's outline of `image` into the alpha of `mask` (same size as the image): opaque on the person,
 * transparent elsewhere, with a soft edge. Returns false when the segmenter gave no mask.
 */
export function segmentInto(segmenter: ImageSegmenter, image: HTMLCanvasElement, mask: ImageData): boolean {
  // VIDEO mode wants strictly increasing timestamps, also across the runs that share this segmenter.
  lastTimestamp = Math.max(performance.now(), lastTimestamp + 1);
  let ok = false;
  segmenter.segmentForVideo(image, lastTimestamp, (result) => {
    const confidence = result.confidenceMasks?.[0];
    if (!confidence || confidence.width !== mask.width || confidence.height !== mask.height) return;
    const p = confidence.getAsFloat32Array();
    const a = mask.data;
    for (let i = 0; i < p.length; i++) {
      // 0.25…0.75 ramps from background to person: a soft edge instead of a hard, flickering cut.
      a[i * 4 + 3] = Math.max(0, Math.min(255, (p[i] - 0.25) * 510));
    }
    ok = true;
  });
  return ok;
}
