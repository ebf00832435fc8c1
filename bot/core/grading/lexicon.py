"""Words members use interchangeably in deep-learning talk: Korean, loanword spellings and English.

Each line maps spellings to one English reading. Both the answer and the rubric are read through this table,
so "기울기", "그래디언트" and "gradients" are one word, "학습률" and "lr" are "learning rate", and a
mixed compound such as "체인 rule" or "cos 유사도" meets "chain rule" and "cosine similarity". A rubric
still names its own aliases; this table only removes the spelling noise every question shares.

Format: ``english reading: spelling, spelling, ...``. The reading may be several words; the spellings are
single words as they appear after morphological analysis (a verb by its stem: "줄이", "사라지").
"""

from __future__ import annotations

LEXICON = """
gradient: 기울기, 기울, 그래디언트, 그라디언트, 그레디언트, 그래디엔트, 그라디엔트
gradient: 경사, 경사도, 미분값, grad, gradients
descent: 하강, 하강법
gradient descent: 경사하강, 경사하강법, gd
stochastic: 확률적, 스토캐스틱
vanish: 소실, 사라지, 소멸, 죽, vanishing
explode: 폭주, 폭발, exploding
chain: 체인, 연쇄
rule: 룰, 법칙
derivative: 미분, 도함수, 편미분, derivatives, differentiation, differentiate
learn: 학습, 러닝, 훈련, 트레이닝, 학습하, train, training, learning, trained
learning rate: 학습률, 학습율, 러닝레이트, lr
rate: 레이트, 비율
batch: 배치, 뱃치, batches
mini batch: 미니배치, minibatch
normalize: 정규화, 노말라이제이션, 노멀라이제이션, 노말라이즈, 노멀라이즈, 노말, 노멀, 놈, 노름, norm, normalization
batch normalize: 배치놈, 배치노말, 배치노멀, 배치정규화, bn, batchnorm, batchnorm1d, batchnorm2d
layer normalize: 레이어놈, 레이어노말, 레이어노멀, 층정규화, ln, layernorm
standardize: 표준화, 스탠다드라이제이션, standardization, standardise
regularize: 규제, 레귤러라이제이션, 레귤러라이즈, regularization
layer: 층, 레이어, 계층, layers
weight: 가중치, 웨이트, 웨이트값, weights
bias: 편향, 바이어스
parameter: 파라미터, 파라메터, 파라미타, 매개변수, 모수, param, params
hyperparameter: 하이퍼파라미터, 하이퍼파라메터, 하이퍼파라미타, 초매개변수, 하이퍼파람
neuron: 뉴런, 노드, neurons, node, nodes
network: 네트워크, 망, 넷
neural network: 신경망, 뉴럴넷, 뉴럴네트워크, nn
artificial neural network: 인공신경망, ann
deep learning: 딥러닝, dl
machine learning: 머신러닝, 기계학습, ml
activation: 활성화, 액티베이션, activations
function: 함수, 펑션, func
activation function: 활성함수, 활성화함수
nonlinear: 비선형, 비선형성, 논리니어, nonlinearity, non-linear
linear: 선형, 리니어, 선형성, linearity
loss: 손실, 로스, 비용, cost, 오차, 오류, error, errors, losses
loss function: 손실함수, 비용함수, 목적함수, objective
overfit: 과적합, 오버피팅, 오버핏, 과대적합, overfitting
underfit: 과소적합, 언더피팅, 언더핏, underfitting
generalize: 일반화, 제너럴라이제이션, generalization
variance: 분산, 베리언스
mean: 평균, 평균값, 민, average, averages
standard deviation: 표준편차, std, stddev, 스탠다드디비에이션
increase: 증가, 늘, 늘리, 늘어나, 커지, 높아지, 상승, 올라가, 올리, 증대, grow, rise
decrease: 감소, 줄, 줄이, 줄어들, 작아지, 낮아지, 하락, 떨어지, 낮추, 축소, reduce, reduces, lower, shrink, drop
prevent: 방지, 막, 예방, 억제, 피하, avoid, avoids, suppress
mitigate: 완화, 해결, 해소, 개선, alleviate, solve, address, fix, relieve
fast: 빠르, 빨리, 빨라지, 신속, 고속, quick, quickly, faster, speed, 속도
slow: 느리, 더디, 느려지, slower
large: 크, 큰, 거대, 대규모, big, huge, larger, bigger
small: 작, 작은, 소규모, smaller, tiny
many: 많, 많이, 다수, 여러, much, more, lots
few: 적, 소수, less, fewer
high: 높, 고, higher
low: 낮, 저, lower
same: 같, 동일, 똑같, 동등, identical, equal
differ: 다르, 차이, 상이, different, difference, differs
use: 사용, 쓰, 이용, 활용, uses, using, used, utilize, employ
compute: 계산, 연산, 산출, calculate, computation, calculation, compute
multiply: 곱, 곱하, 곱셈, product, multiplication, multiplied
add: 더하, 덧셈, 합, 합치, 더해지, sum, summed, addition, plus
input: 입력, 인풋, inputs
output: 출력, 아웃풋, outputs
feature: 특징, 피처, 피쳐, 특성, features
extract: 추출, 뽑, extraction
data: 데이터, dataset, 데이터셋, 데이타
sample: 샘플, 표본, 예제, samples, example, examples
label: 레이블, 라벨, 정답, labels, labeled, labelled
model: 모델, 모형, models
train set: 학습셋, 트레인셋, 훈련셋, trainset
test: 테스트, 시험, 평가, evaluation, evaluate
validate: 검증, 밸리데이션, validation
dimension: 차원, 디멘션, dim, dimensions, dimensional
vector: 벡터, vectors
matrix: 행렬, 매트릭스, matrices
parallel: 병렬, 패러렐, parallelism, parallelize
core: 코어, cores
memory: 메모리, memories
convolution: 합성곱, 컨볼루션, 콘볼루션, 컨벌루션, conv, convolutional
filter: 필터, 커널, kernel, kernels, filters
pool: 풀링, pooling
channel: 채널, channels
pixel: 픽셀, 화소, pixels
image: 이미지, 영상, 사진, images
patch: 패치, patches
token: 토큰, tokens
sequence: 시퀀스, 순서열, 서열, sequences
position: 위치, 포지션, positional
encode: 인코딩, 부호화, encoding
encoder: 인코더, encoders
decoder: 디코더, decoders
attention: 어텐션, 주의, 어텐숀, attentions, attend
self attention: 셀프어텐션
cross attention: 크로스어텐션
query: 쿼리, 질의, queries
key: 키, keys
value: 밸류, 벨류, 값, values
score: 점수, 스코어, scores
similar: 유사, 유사도, 비슷, similarity
cosine: 코사인, cos
sine: 사인, sin
frequency: 주파수, 빈도, frequencies
softmax: 소프트맥스, 소맥
probability: 확률, 확률값, probabilities, prob
distribution: 분포, distributions
sigmoid: 시그모이드, 시그모이드함수, logistic
relu: 렐루, 렐류, 랠루
saturate: 포화, saturation, saturates, saturated
momentum: 모멘텀, 모멘툼, 관성
optimize: 최적화, 옵티마이저, optimizer, optimization
minimum: 최솟값, 최소값, 최소, 최저점, 극소, 극솟값, minima, min
maximum: 최댓값, 최대값, 최대, 극대, maxima, max
local: 지역, 국소, 로컬, 국지
global: 전역, 글로벌
saddle point: 안장점, 새들포인트
point: 점, 포인트, points
converge: 수렴, convergence, converges
diverge: 발산, divergence
update: 업데이트, 갱신, updates, updated
backpropagation: 역전파, 백프로파게이션, 백프롭, backprop, bp
propagate: 전파, propagation
forward: 순전파, 포워드, 전방
initialize: 초기화, 이니셜라이제이션, init, initialization
symmetry: 대칭, 대칭성, symmetric
random: 랜덤, 무작위, 임의, randomly
drop: 드롭, 탈락, dropped
dropout: 드롭아웃, 드랍아웃
residual: 잔차, 레지듀얼, residuals
skip connection: 스킵커넥션, shortcut, 숏컷, 지름길
connect: 연결, 커넥션, connection, connections, connected
identity: 항등, 아이덴티티
depth: 깊이, depths, deep, deeper, 깊
width: 너비, 폭, wide, wider
resolution: 해상도, 레졸루션
scale: 스케일, 스케일링, 규모, scaling, scaled
class: 클래스, 범주, 분류, classes, classification, classify
object: 객체, 물체, 오브젝트, objects
detect: 탐지, 검출, 디텍션, detection, detector
bound box: 바운딩박스, 경계상자, bbox, bboxes
region: 영역, 리전, regions
proposal: 제안, 프로포절, proposals
anchor: 앵커, anchors
grid: 그리드, 격자
segment: 세그멘테이션, 분할, segmentation
text: 텍스트, 글, 문장, texts
language: 언어, 랭귀지
vision: 비전, 시각
embed: 임베딩, embedding, embeddings
contrastive: 대조, 콘트라스티브, 컨트라스티브
pretrain: 사전학습, 프리트레이닝, 프리트레인, pretraining, pre-training, pretrained
finetune: 미세조정, 파인튜닝, 파인튠, finetuning, fine-tuning, tuning
retrieve: 검색, 리트리벌, retrieval, search
generate: 생성, 제너레이션, generation, generative
inductive bias: 귀납적편향, 귀납편향, 유도편향
locality: 지역성, 국소성
translation: 평행이동, 이동
invariant: 불변, 불변성, invariance
equivariant: 등변, 등변성, equivariance
share: 공유, sharing, shared
probability distribution: 확률분포
encoder decoder: 인코더디코더
gpu: 지피유, 그래픽카드
cpu: 씨피유
transformer: 트랜스포머, transformers
cnn: 씨엔엔, 합성곱신경망, convnet
rnn: 알엔엔, 순환신경망
vit: 비전트랜스포머
supervised: 지도
unsupervised: 비지도
once: 한번, 한번에, 한꺼번에
all: 모든, 모두, 전부, 전체, every, entire, whole
alpha: α, 알파
beta: β, 베타
gamma: γ, 감마
lambda: λ, 람다
eta: η, 에타
sigma: σ, 시그마
mu: μ, 뮤
theta: θ, 세타
epsilon: ε, 엡실론
"""


def lexicon_entries() -> list[tuple[str, tuple[str, ...]]]:
    """The table as (spelling, english reading words) pairs, the reading split into words."""
    entries: list[tuple[str, tuple[str, ...]]] = []
    for line in LEXICON.strip().splitlines():
        reading, _, spellings = line.partition(":")
        words = tuple(reading.split())
        entries.append((reading.replace(" ", ""), words))
        entries.extend((spelling.strip(), words) for spelling in spellings.split(",") if spelling.strip())
    return entries
