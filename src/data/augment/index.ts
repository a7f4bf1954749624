/** Data augmentation: random distortions of training images (see docs/augmentation.md). */
export * from './augmentation.js';
export * from './elastic.js';
export * from './epochs.js';
export * from './expand.js';
export * from './pipeline.js';
export * from './rotate.js';
export * from './scale.js';
export * from './shift.js';
export * from './skew.js';
export * from './spec.js';
export * from './warp.js';
export * from './views.js';
