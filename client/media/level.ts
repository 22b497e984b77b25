/** How loud our own microphone is (WebAudio), for the speaking highlight on the self tile. */
export class LevelMeter {
  private ctx: AudioContext | null = null;
  private analyser: AnalyserNode | null = null;
  private source: MediaStreamAudioSourceNode | null = null;
  private track: MediaStreamTrack | null = null;
  private readonly buf = new Float32Array(512);

  /** Follows a (new) microphone track; null stops measuring. */
  attach(track: MediaStreamTrack | null): void {
    if (track === this.track) return;
    this.source?.disconnect();
    this.source = null;
    this.track = track;
    if (!track) return;
    try {
      this.ctx ??= new AudioContext();
      this.analyser ??= this.ctx.createAnalyser();
      this.analyser.fftSize = 512;
      this.source = this.ctx.createMediaStreamSource(new MediaStream([track]));
      this.source.connect(this.analyser);
      void this.ctx.resume().catch(() => undefined);
    } catch {
      this.source = null;
    }
  }

  /** 0..1 (RMS of the last few milliseconds); 0 when muted or not measuring. */
  level(): number {
    if (!this.analyser || !this.source || !this.track?.enabled) return 0;
    this.analyser.getFloatTimeDomainData(this.buf);
    let sum = 0;
    for (const v of this.buf) sum += v * v;
    return Math.sqrt(sum / this.buf.length);
  }

  close(): void {
    this.attach(null);
    void this.ctx?.close().catch(() => undefined);
    this.ctx = null;
    this.analyser = null;
  }
}
