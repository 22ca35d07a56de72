export {GMMLayer, GMMLayerArgs, MixtureParameters, MixtureParametersInput} from './gmm_layer';
export {gmmNLLLoss, fitWithoutTargets} from './losses';
export {InitializerSpec, RegularizerSpec} from './serialization';
