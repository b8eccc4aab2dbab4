/**
 * The matrix as an offscreen image with one pixel per cell (690 × 5,000 cells is a 3.45-megapixel
 * image, built in a few tens of milliseconds and patched column by column as columns arrive); zooming
 * and panning only redraw that image scaled into the visible canvas, which the browser does on the
 * GPU — smooth at any size.
 */
import { MATRIX_MISSING, MATRIX_SCALE } from '../../src/shared/matrix';
import { viridisLut } from '../../src/shared/palette';
import { belowFloor } from './rows';
import { S, columnCount } from './state';
export const LUT = viridisLut();
export const MISSING_RGBA = [128, 128, 128, 40];
/** Opacity of the cells of rows below the reliability floor (the background shows through: dimmed). */
const DIMMED_ALPHA = 80;
export const offscreen = document.createElement('canvas');
let image;
export function hasImage() {
    return image !== undefined;
}
export function rebuildImage() {
    const W = Math.max(1, columnCount());
    const H = Math.max(1, S.rows.length);
    offscreen.width = W;
    offscreen.height = H;
    const ctx = offscreen.getContext('2d');
    image = ctx.createImageData(W, H);
    paintColumns(0, W);
    ctx.putImageData(image, 0, 0);
}
/** Repaints columns [a, b) from the matrix and puts them on the offscreen canvas. */
export function updateColumns(a, b) {
    if (!image)
        return;
    paintColumns(a, b);
    offscreen.getContext('2d').putImageData(image, 0, 0, a, 0, b - a, image.height);
}
/** Writes columns [a, b) of the image from the matrix (the caller puts the image data). */
function paintColumns(a, b) {
    if (!image)
        return;
    const E = S.experiments.length;
    const W = image.width;
    const px = image.data;
    const { rows, matrix, experiments } = S;
    for (let r = 0; r < rows.length; r++) {
        const e = rows[r];
        const alpha = belowFloor(experiments[e]) ? DIMMED_ALPHA : 255;
        let o = (r * W + a) * 4;
        for (let j = a; j < b; j++, o += 4) {
            const v = E ? matrix[j * E + e] : MATRIX_MISSING;
            if (v === MATRIX_MISSING || v === undefined) {
                px[o] = MISSING_RGBA[0];
                px[o + 1] = MISSING_RGBA[1];
                px[o + 2] = MISSING_RGBA[2];
                px[o + 3] = MISSING_RGBA[3];
            }
            else {
                const k = Math.min(255, Math.round((v / MATRIX_SCALE) * 255)) * 3;
                px[o] = LUT[k];
                px[o + 1] = LUT[k + 1];
                px[o + 2] = LUT[k + 2];
                px[o + 3] = alpha;
            }
        }
    }
}
export function decode(base64) {
    const bin = atob(base64);
    const bytes = new Uint8Array(bin.length);
    for (let i = 0; i < bin.length; i++)
        bytes[i] = bin.charCodeAt(i);
    // Little-endian on every platform VS Code runs on; DataView would be slower for megabytes.
    return new Uint16Array(bytes.buffer, 0, bytes.length >> 1);
}
//# sourceMappingURL=image.js.map