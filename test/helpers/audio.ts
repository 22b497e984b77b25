/// <reference lib="dom" />
/**
 * Sound for browser tests: a noisy "speech" WAV for Chromium's fake microphone, and what a page receives from a
 * participant, measured with WebAudio.
 */
import { writeFileSync } from 'node:fs';
import type { Page } from 'playwright-core';

const RATE = 48_000;

export interface NoisySpeech {
  /** Seconds of voiced sound, then of pause, repeated. */
  burstS: number;
  pauseS: number;
  /** RMS of the white noise under everything (0..1 of full scale). */
  noiseRms: number;
  /** Peak of the voiced sound. */
  voicePeak: number;
}

export const NOISY_SPEECH: NoisySpeech = { burstS: 0.45, pauseS: 0.55, noiseRms: 0.03, voicePeak: 0.35 };

/**
 * Writes a 16-bit mono 48 kHz WAV of `seconds`: vowel-like bursts (a 140 Hz voice with vibrato and harmonics shaped
 * by the formants of "ah") separated by pauses, all over steady white noise. Deterministic (seeded noise).
 */
export function writeNoisySpeechWav(file: string, seconds = 6, p: NoisySpeech = NOISY_SPEECH): string {
  const n = Math.round(seconds * RATE);
  const data = Buffer.alloc(n * 2);
  let seed = 0x2545f491;
  const random = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  // Uniform noise in [-a, a] has RMS a / sqrt(3).
  const noiseAmp = p.noiseRms * Math.sqrt(3);
  const formants = [
    [730, 90],
    [1090, 110],
    [2440, 170],
  ];
  const harmonics = 24;
  const weight = (f: number) => formants.reduce((sum, [fc, bw]) => sum + 1 / (1 + ((f - fc) / bw) ** 2), 0) + 0.05;
  let phase = 0;
  let norm = 0;
  for (let k = 1; k <= harmonics; k++) norm += weight(140 * k);
  const cycle = p.burstS + p.pauseS;
  for (let i = 0; i < n; i++) {
    const t = i / RATE;
    const inCycle = t % cycle;
    let voice = 0;
    if (inCycle < p.burstS) {
      const f0 = 140 + 12 * Math.sin(2 * Math.PI * 5 * t) + 20 * (inCycle / p.burstS);
      phase += (2 * Math.PI * f0) / RATE;
      // 30 ms fades in and out, and a syllable-like swell in between.
      const edge = Math.min(1, inCycle / 0.03, (p.burstS - inCycle) / 0.03);
      const env = edge * (0.7 + 0.3 * Math.sin((Math.PI * inCycle) / p.burstS));
      for (let k = 1; k <= harmonics; k++) voice += weight(140 * k) * Math.sin(k * phase);
      voice = (voice / norm) * p.voicePeak * env * 2.2;
    }
    const s = Math.max(-1, Math.min(1, voice + (random() * 2 - 1) * noiseAmp));
    data.writeInt16LE(Math.round(s * 32767), i * 2);
  }
  const header = Buffer.alloc(44);
  header.write('RIFF', 0);
  header.writeUInt32LE(36 + data.length, 4);
  header.write('WAVE', 8);
  header.write('fmt ', 12);
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(1, 20); // PCM
  header.writeUInt16LE(1, 22); // mono
  header.writeUInt32LE(RATE, 24);
  header.writeUInt32LE(RATE * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36);
  header.writeUInt32LE(data.length, 40);
  writeFileSync(file, Buffer.concat([header, data]));
  return file;
}

/**
 * RMS levels (0..1) of the sound `page` receives from `peerId`, one per ~21 ms window, sampled every 25 ms for `ms`:
 * WebAudio on the audio of the participant's tile.
 */
export function receivedLevels(page: Page, peerId: string, ms: number): Promise<number[]> {
  return page.evaluate(
    async ({ id, ms }) => {
      const video = document.querySelector<HTMLVideoElement>(`[data-participant-id="${id}"] video`);
      const stream = video?.srcObject;
      if (!(stream instanceof MediaStream) || stream.getAudioTracks().length === 0) throw new Error(`no audio from ${id}`);
      const ctx = new AudioContext();
      await ctx.resume();
      const source = ctx.createMediaStreamSource(new MediaStream(stream.getAudioTracks()));
      const analyser = ctx.createAnalyser();
      analyser.fftSize = 1024;
      source.connect(analyser);
      const buf = new Float32Array(analyser.fftSize);
      const out: number[] = [];
      const end = performance.now() + ms;
      while (performance.now() < end) {
        await new Promise((r) => setTimeout(r, 25));
        analyser.getFloatTimeDomainData(buf);
        let sum = 0;
        for (const v of buf) sum += v * v;
        out.push(Math.sqrt(sum / buf.length));
      }
      source.disconnect();
      await ctx.close();
      return out;
    },
    { id: peerId, ms },
  );
}

/** The `q`-quantile (0..1) of `values`, in dB full scale (very quiet is -120). */
export function quantileDb(values: number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const v = sorted[Math.min(sorted.length - 1, Math.max(0, Math.floor(q * (sorted.length - 1))))] ?? 0;
  return 20 * Math.log10(Math.max(v, 1e-6));
}
