/**
 * The selfie segmentation model for MediaPipe Tasks (ImageSegmenter), made from the one that ships in
 * @mediapipe/selfie_segmentation.
 *
 * That package's selfie_segmentation.tflite has no TFLite metadata, and ImageSegmenter refuses a float32 input
 * tensor without NormalizationOptions ("it requires specifying NormalizationOptions metadata"). The model expects
 * RGB scaled to [0, 1] (the package's own graph says so), i.e. mean 0 and std 255. This adds that metadata: a new
 * root Model table is written in front of the original file (FlatBuffers offsets only point forward, so the new
 * table can reach every part of the old file, which stays byte for byte as it was, shifted by a multiple of 16);
 * it keeps every field of the old root and adds the metadata buffer and its "TFLITE_METADATA" entry.
 */
import { Buffer } from 'node:buffer';
import { readFileSync } from 'node:fs';

// tflite schema.fbs, table Model: field ids.
const MODEL = {
  version: 0,
  operator_codes: 1,
  subgraphs: 2,
  description: 3,
  buffers: 4,
  metadata_buffer: 5,
  metadata: 6,
  signature_defs: 7,
};

/** Reads the root table of a FlatBuffer: field id → absolute position of the field (or undefined when absent). */
function tableFields(buf, table) {
  const vtable = table - buf.readInt32LE(table);
  const vsize = buf.readUInt16LE(vtable);
  const fields = [];
  for (let i = 0; 4 + 2 * i < vsize; i++) {
    const off = buf.readUInt16LE(vtable + 4 + 2 * i);
    fields.push(off ? table + off : undefined);
  }
  return fields;
}

const deref = (buf, at) => at + buf.readUInt32LE(at);

/**
 * A FlatBuffer written front to back: every object is placed before what it refers to. Nodes:
 * { table: [[id, type, value], ...] } with type 'u8' | 'u32' | 'ref' (value: a node, or { at } an absolute position),
 * { string }, { vector: 'f32' | 'u8' | 'ref', items, align }.
 */
class ForwardWriter {
  constructor() {
    this.buf = Buffer.alloc(1024);
    this.len = 0;
    this.patches = [];
  }
  reserve(n) {
    while (this.len + n > this.buf.length) this.buf = Buffer.concat([this.buf, Buffer.alloc(this.buf.length)]);
    const at = this.len;
    this.len += n;
    return at;
  }
  align(n) {
    this.reserve((n - (this.len % n)) % n);
  }
  /** Writes `node`, then the nodes it refers to; returns the node's position. */
  write(node) {
    if ('string' in node) {
      const bytes = Buffer.from(node.string, 'utf8');
      this.align(4);
      const at = this.reserve(4 + bytes.length + 1);
      this.buf.writeUInt32LE(bytes.length, at);
      bytes.copy(this.buf, at + 4);
      return at;
    }
    if ('vector' in node) {
      const size = node.vector === 'u8' ? 1 : 4;
      // The length sits right before the elements, which may need a wider alignment (buffers: 16).
      const align = node.align ?? 4;
      while ((this.len + 4) % align !== 0) this.reserve(1);
      const at = this.reserve(4 + size * node.items.length);
      this.buf.writeUInt32LE(node.items.length, at);
      node.items.forEach((item, i) => {
        const p = at + 4 + size * i;
        if (node.vector === 'u8') this.buf[p] = item;
        else if (node.vector === 'f32') this.buf.writeFloatLE(item, p);
        else this.patches.push([p, item]);
      });
      this.flush();
      return at;
    }
    // A table: its vtable first, then the table (soffset, then 4-byte slots for every field; u8 fields take 4 too).
    const fields = node.table;
    const maxId = Math.max(-1, ...fields.map(([id]) => id));
    this.align(2);
    const vsize = 4 + 2 * (maxId + 1);
    if ((this.len + vsize) % 4 !== 0) this.reserve(2);
    const vt = this.reserve(vsize);
    const tsize = 4 + 4 * fields.length;
    const at = this.reserve(tsize);
    this.buf.writeUInt16LE(vsize, vt);
    this.buf.writeUInt16LE(tsize, vt + 2);
    this.buf.writeInt32LE(at - vt, at);
    fields.forEach(([id, type, value], i) => {
      const p = at + 4 + 4 * i;
      this.buf.writeUInt16LE(p - at, vt + 4 + 2 * id);
      if (type === 'u8') this.buf[p] = value;
      else if (type === 'u32') this.buf.writeUInt32LE(value, p);
      else this.patches.push([p, value]);
    });
    this.flush();
    return at;
  }
  /** Writes the nodes referred to so far and fills in the offsets to them. */
  flush() {
    const pending = this.patches;
    this.patches = [];
    for (const [p, target] of pending) {
      const to = 'at' in target ? target.at : this.write(target);
      this.buf.writeUInt32LE(to - p, p);
    }
  }
}

/** metadata_schema.fbs ModelMetadata: one subgraph, the image input normalised by (x - mean) / std, one output. */
function modelMetadata({ mean, std }) {
  const processUnit = {
    table: [
      [0, 'u8', 1 /* NormalizationOptions */],
      [
        1,
        'ref',
        {
          table: [
            [0, 'ref', { vector: 'f32', items: mean }],
            [1, 'ref', { vector: 'f32', items: std }],
          ],
        },
      ],
    ],
  };
  const imageContent = {
    table: [
      [0, 'u8', 2 /* ImageProperties */],
      [1, 'ref', { table: [[0, 'u8', 1 /* RGB */]] }],
    ],
  };
  const input = {
    table: [
      [0, 'ref', { string: 'image' }],
      [3, 'ref', imageContent],
      [4, 'ref', { vector: 'ref', items: [processUnit] }],
    ],
  };
  const output = { table: [[0, 'ref', { string: 'segmentation' }]] };
  const subgraph = {
    table: [
      [2, 'ref', { vector: 'ref', items: [input] }],
      [3, 'ref', { vector: 'ref', items: [output] }],
    ],
  };
  const root = {
    table: [
      [0, 'ref', { string: 'Selfie segmentation' }],
      [3, 'ref', { vector: 'ref', items: [subgraph] }],
    ],
  };
  const w = new ForwardWriter();
  const rootAt = w.reserve(8);
  w.buf.write('M001', 4, 'latin1');
  const at = w.write(root);
  w.buf.writeUInt32LE(at - rootAt, rootAt);
  return w.buf.subarray(0, w.len);
}

/** The model file with its input normalisation described, ready for ImageSegmenter. */
export function segmentationModel(file, normalization = { mean: [0], std: [255] }) {
  const old = readFileSync(file);
  if (old.toString('latin1', 4, 8) !== 'TFL3') throw new Error(`${file} is not a TFLite model`);
  const oldRoot = deref(old, 0);
  const fields = tableFields(old, oldRoot);
  if (fields[MODEL.metadata] !== undefined) return old;
  const meta = modelMetadata(normalization);
  const build = (shift) => {
    const abs = (field) => ({ at: shift + deref(old, field) });
    const oldBuffers = deref(old, fields[MODEL.buffers]);
    const count = old.readUInt32LE(oldBuffers);
    const bufferRefs = Array.from({ length: count }, (_, i) => ({ at: shift + deref(old, oldBuffers + 4 + 4 * i) }));
    const metaBuffer = { table: [[0, 'ref', { vector: 'u8', items: [...meta], align: 16 }]] };
    const table = [[MODEL.version, 'u32', old.readUInt32LE(fields[MODEL.version])]];
    for (const name of ['operator_codes', 'subgraphs', 'description', 'metadata_buffer', 'signature_defs']) {
      if (fields[MODEL[name]] !== undefined) table.push([MODEL[name], 'ref', abs(fields[MODEL[name]])]);
    }
    table.push([MODEL.buffers, 'ref', { vector: 'ref', items: [...bufferRefs, metaBuffer] }]);
    table.push([
      MODEL.metadata,
      'ref',
      {
        vector: 'ref',
        items: [
          {
            table: [
              [0, 'ref', { string: 'TFLITE_METADATA' }],
              [1, 'u32', count],
            ],
          },
        ],
      },
    ]);
    const w = new ForwardWriter();
    const rootAt = w.reserve(8);
    w.buf.write('TFL3', 4, 'latin1');
    const at = w.write({ table });
    w.buf.writeUInt32LE(at - rootAt, rootAt);
    w.align(16);
    return w.buf.subarray(0, w.len);
  };
  // The prefix's length does not depend on where the old file lands, so two passes settle it.
  const first = build(0);
  const prefix = build(first.length);
  if (prefix.length !== first.length) throw new Error('segmentation model: prefix length changed');
  return Buffer.concat([prefix, old]);
}
