// PNG and JPEG decoding to grey (C = 1) or RGB (C = 3) pixels, and bilinear resizing for
// `ssgan import --resize`. Alpha is dropped: the models take opaque images.
import * as jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { oneLine } from '../../util/messages';

/** The most pixels an imported image may have (8192 x 8192). */
export const MAX_IMAGE_PIXELS = 2 ** 26;
/**
 * How far compressed pixels can expand: deflate at most 1032:1; baseline JPEG about 256 pixels per
 * byte (an 8x8 block in 2 bits), taken with a 4x margin. An image that declares more pixels than its
 * data could hold is damaged, and is refused before the decoder sets aside memory and time for it.
 */
const DEFLATE_MAX_RATIO = 1032;
const JPEG_MAX_PIXELS_PER_BYTE = 1024;

export interface Image { width: number; height: number; channels: 1 | 3; data: Uint8Array }

/** What a JPEG's first SOF segment declares: size and number of colour components. */
function jpegHeader(buf: Uint8Array): { width: number; height: number; components: number } | undefined {
  let p = 2;
  while (p + 9 < buf.length) {
    if (buf[p] !== 0xff) { p++; continue; }
    const marker = buf[p + 1];
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      return { height: (buf[p + 5] << 8) | buf[p + 6], width: (buf[p + 7] << 8) | buf[p + 8], components: buf[p + 9] };
    }
    if (marker === 0xd8 || marker === 0x01 || (marker >= 0xd0 && marker <= 0xd7) || marker === 0xff) { p += marker === 0xff ? 1 : 2; continue; }
    p += 2 + ((buf[p + 2] << 8) | buf[p + 3]);
  }
  return undefined;
}

const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** What a PNG declares: the IHDR size, the bytes of filtered scanlines it implies, and the IDAT bytes it holds. */
function pngHeader(buf: Uint8Array): { width: number; height: number; scanlineBytes: number; idatBytes: number } | undefined {
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let header: { width: number; height: number; scanlineBytes: number } | undefined;
  let idatBytes = 0;
  for (let p = 8; p + 8 <= buf.length;) {
    const n = v.getUint32(p);
    const type = Buffer.from(buf.subarray(p + 4, p + 8)).toString('latin1');
    if (type === 'IHDR' && !header && p + 21 <= buf.length) {
      const width = v.getUint32(p + 8), height = v.getUint32(p + 12);
      const bits = buf[p + 16] * (PNG_CHANNELS[buf[p + 17]] ?? 4);
      header = { width, height, scanlineBytes: height * (1 + Math.ceil((width * bits) / 8)) };
    }
    if (type === 'IDAT') idatBytes += Math.min(n, buf.length - p - 8);
    p += 12 + n;
  }
  return header && { ...header, idatBytes };
}

/** Refuses an image too large, or larger than its compressed data can hold, before decoding it. */
function checkDeclared(buf: Uint8Array, isPng: boolean, file: string): void {
  const d = isPng ? pngHeader(buf) : jpegHeader(buf);
  if (!d) return; // the decoder reports what is missing
  if (d.width * d.height > MAX_IMAGE_PIXELS) throw new Error(`${file}: image is ${d.height}x${d.width}, over the ${MAX_IMAGE_PIXELS}-pixel limit`);
  const holds = 'scanlineBytes' in d ? d.scanlineBytes <= DEFLATE_MAX_RATIO * (d.idatBytes + 1) : d.width * d.height <= JPEG_MAX_PIXELS_PER_BYTE * buf.length;
  if (!holds) throw new Error(`${file}: image declares ${d.height}x${d.width} pixels, more than its ${buf.length} bytes can hold (truncated or damaged)`);
}

export function decodeImage(buf: Uint8Array, file: string): Image {
  const isPng = buf[0] === 0x89 && buf[1] === 0x50 && buf[2] === 0x4e && buf[3] === 0x47;
  const isJpeg = buf[0] === 0xff && buf[1] === 0xd8;
  if (isPng || isJpeg) checkDeclared(buf, isPng, file);
  let width: number, height: number, rgba: Uint8Array, stride: number, grey: boolean;
  try {
    if (isPng) {
      const png = PNG.sync.read(Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength));
      ({ width, height } = png);
      rgba = png.data; stride = 4; grey = !png.color;
    } else if (isJpeg) {
      const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
      ({ width, height } = img);
      rgba = img.data; stride = 3; grey = jpegHeader(buf)?.components === 1;
    } else {
      throw new Error('not a PNG or JPEG file');
    }
  } catch (err) {
    throw new Error(`${file}: cannot decode image (${oneLine(String((err as Error)?.message ?? err))})`);
  }
  if (!(width >= 1 && height >= 1)) throw new Error(`${file}: image is ${height}x${width}, which holds no pixels`);
  const channels = grey ? 1 : 3;
  const data = new Uint8Array(width * height * channels);
  for (let i = 0, n = width * height; i < n; i++) {
    for (let ch = 0; ch < channels; ch++) data[i * channels + ch] = rgba[i * stride + ch];
  }
  return { width, height, channels, data };
}

/** Grey to RGB by repeating the channel (for trees that mix grey and colour images). */
export function toRgb(img: Image): Image {
  if (img.channels === 3) return img;
  const data = new Uint8Array(img.width * img.height * 3);
  for (let i = 0; i < img.width * img.height; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = img.data[i];
  return { ...img, channels: 3, data };
}

/** Bilinear resize with pixel centres aligned (like PIL/OpenCV's default). */
export function resizeBilinear(img: Image, height: number, width: number): Image {
  if (img.height === height && img.width === width) return img;
  const c = img.channels;
  const out = new Uint8Array(height * width * c);
  const sy = img.height / height, sx = img.width / width;
  for (let y = 0; y < height; y++) {
    const fy = Math.min(Math.max((y + 0.5) * sy - 0.5, 0), img.height - 1);
    const y0 = Math.floor(fy), y1 = Math.min(y0 + 1, img.height - 1), wy = fy - y0;
    for (let x = 0; x < width; x++) {
      const fx = Math.min(Math.max((x + 0.5) * sx - 0.5, 0), img.width - 1);
      const x0 = Math.floor(fx), x1 = Math.min(x0 + 1, img.width - 1), wx = fx - x0;
      for (let ch = 0; ch < c; ch++) {
        const a = img.data[(y0 * img.width + x0) * c + ch], b = img.data[(y0 * img.width + x1) * c + ch];
        const d = img.data[(y1 * img.width + x0) * c + ch], e = img.data[(y1 * img.width + x1) * c + ch];
        out[(y * width + x) * c + ch] = Math.round((a * (1 - wx) + b * wx) * (1 - wy) + (d * (1 - wx) + e * wx) * wy);
      }
    }
  }
  return { width, height, channels: c, data: out };
}
