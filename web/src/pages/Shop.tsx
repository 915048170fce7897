import { useMemo, useReducer, useState } from 'react';
import { api, money, type ApiError, type Restaurant } from '../api';
import { cartReducer, emptyCart, itemCount, orderProducts, subtotal, MAX_QUANTITY } from '../cart';
import { ErrorBox, Loading, Empty } from '../components/Status';
import { toApiError, useAsync } from '../hooks';
import { useRouter } from '../router';

const DELAYS = [
  { label: 'As soon as possible', ms: 0 },
  { label: 'In 5 seconds', ms: 5_000 },
  { label: 'In 15 seconds', ms: 15_000 },
  { label: 'In 10 minutes', ms: 600_000 },
  { label: 'In 1 hour', ms: 3_600_000 },
];

export function ShopPage() {
  const restaurants = useAsync(api.restaurants, []);
  const regions = useAsync(api.regions, []);
  const [cart, dispatch] = useReducer(cartReducer, emptyCart);
  const [selected, setSelected] = useState<string>();
  const [delay, setDelay] = useState(0);
  const [placing, setPlacing] = useState(false);
  const [error, setError] = useState<ApiError>();
  const { navigate } = useRouter();

  const byRegion = useMemo(() => {
    const groups = new Map<string, Restaurant[]>();
    for (const r of restaurants.data ?? []) groups.set(r.regionId, [...(groups.get(r.regionId) ?? []), r]);
    return [...groups.entries()];
  }, [restaurants.data]);
  const regionName = (id: string) => regions.data?.find(r => r.id === id)?.name ?? id;
  const restaurant = restaurants.data?.find(r => r.id === (selected ?? restaurants.data?.[0]?.id));
  const cartRestaurant = restaurants.data?.find(r => r.id === cart.restaurantId);

  const checkout = async () => {
    if (!cart.restaurantId) return;
    setPlacing(true);
    setError(undefined);
    try {
      const accepted = await api.placeOrder({
        restaurantId: cart.restaurantId, products: orderProducts(cart), totalCost: subtotal(cart), deliveryDelay: delay,
      });
      dispatch({ type: 'clear' });
      navigate(`/orders/${encodeURIComponent(accepted.id)}`);
    } catch (e) {
      setError(toApiError(e));
    } finally {
      setPlacing(false);
    }
  };

  return (
    <div className="shop">
      <section aria-labelledby="restaurants-heading" className="restaurants">
        <h1 id="restaurants-heading">Restaurants</h1>
        {restaurants.loading && !restaurants.data && <Loading what="restaurants" />}
        <ErrorBox error={restaurants.error} onRetry={restaurants.reload} />
        {restaurants.data?.length === 0 && <Empty>No restaurants are open.</Empty>}
        {byRegion.map(([regionId, list]) => (
          <div key={regionId} className="region-group">
            <h2>{regionName(regionId)}</h2>
            <ul className="restaurant-list">
              {list.map(r => (
                <li key={r.id}>
                  <button type="button" className={r.id === restaurant?.id ? 'restaurant selected' : 'restaurant'}
                    aria-pressed={r.id === restaurant?.id} onClick={() => setSelected(r.id)}>
                    <span className="restaurant-name">{r.name}</span>
                    <span className="muted">{r.menu.length} dishes · {r.cooks} cooks</span>
                  </button>
                </li>
              ))}
            </ul>
          </div>
        ))}
      </section>

      <section aria-labelledby="menu-heading" className="menu">
        <h2 id="menu-heading">{restaurant ? `Menu of ${restaurant.name}` : 'Menu'}</h2>
        {restaurant && (
          <ul className="menu-list">
            {restaurant.menu.map(p => (
              <li key={p.productId} className="product">
                <span className="icon" aria-hidden="true">{p.icon}</span>
                <span className="product-text">
                  <span className="product-name">{p.name}</span>
                  <span className="muted">{p.category} · ~{p.prepSeconds}s</span>
                </span>
                <span className="price">{money(p.price)}</span>
                <button type="button" onClick={() => dispatch({ type: 'add', restaurantId: restaurant.id, product: p })}
                  aria-label={`Add ${p.name} to the cart`}>Add</button>
              </li>
            ))}
          </ul>
        )}
      </section>

      <aside aria-labelledby="cart-heading" className="cart">
        <h2 id="cart-heading">Cart {itemCount(cart) > 0 && <span className="badge">{itemCount(cart)}</span>}</h2>
        {cart.lines.length === 0 ? <Empty>Your cart is empty. Add dishes from a menu.</Empty> : (
          <>
            {cartRestaurant && <p className="muted">From {cartRestaurant.name}</p>}
            <ul className="cart-lines">
              {cart.lines.map(l => (
                <li key={l.product.productId}>
                  <span aria-hidden="true">{l.product.icon}</span>
                  <span className="grow">{l.product.name}</span>
                  <label className="visually-hidden" htmlFor={`qty-${l.product.productId}`}>Quantity of {l.product.name}</label>
                  <input id={`qty-${l.product.productId}`} type="number" min={0} max={MAX_QUANTITY} value={l.quantity} className="qty"
                    onChange={e => dispatch({ type: 'setQuantity', productId: l.product.productId, quantity: Number(e.target.value) })} />
                  <span className="price">{money(l.product.price * l.quantity)}</span>
                  <button type="button" className="link" onClick={() => dispatch({ type: 'remove', productId: l.product.productId })}
                    aria-label={`Remove ${l.product.name}`}>✕</button>
                </li>
              ))}
            </ul>
            <p className="subtotal"><span>Subtotal</span> <strong data-testid="subtotal">{money(subtotal(cart))}</strong></p>
            <label htmlFor="delivery-time">Delivery time</label>
            <select id="delivery-time" value={delay} onChange={e => setDelay(Number(e.target.value))}>
              {DELAYS.map(d => <option key={d.ms} value={d.ms}>{d.label}</option>)}
            </select>
            <ErrorBox error={error} />
            <button type="button" className="primary" onClick={checkout} disabled={placing}>
              {placing ? 'Placing the order…' : `Order for ${money(subtotal(cart))}`}
            </button>
          </>
        )}
      </aside>
      {cart.lines.length > 0 && (
        <a href="#cart-heading" className="cart-jump">🛒 {itemCount(cart)} items · {money(subtotal(cart))} · View cart</a>
      )}
    </div>
  );
}
